using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ProgramsTargetsSystemEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "time_zone",
                table: "pipeline_settings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100);

            // UTC was the only default before the queue could follow the workspace's zone.
            migrationBuilder.Sql("UPDATE pipeline_settings SET time_zone = NULL WHERE time_zone = 'UTC'");

            migrationBuilder.AddColumn<string>(
                name: "survey_id",
                table: "nps_responses",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "confirmation_template_id",
                table: "forms",
                type: "text",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.CreateTable(
                name: "metric_targets",
                columns: table => new
                {
                    metric_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    month = table.Column<DateOnly>(type: "date", nullable: false),
                    value = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_metric_targets", x => new { x.metric_id, x.month });
                });

            migrationBuilder.CreateTable(
                name: "monthly_report_runs",
                columns: table => new
                {
                    month = table.Column<DateOnly>(type: "date", nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    answer = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_monthly_report_runs", x => x.month);
                });

            migrationBuilder.CreateTable(
                name: "program_cursors",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_cursors", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "program_enrolments",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    program_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    contact_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    current_step_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    visit = table.Column<int>(type: "integer", nullable: false),
                    waiting = table.Column<bool>(type: "boolean", nullable: false),
                    due_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    trigger = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    entered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    end_reason = table.Column<string>(type: "text", nullable: true),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_enrolments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "program_step_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    enrolment_id = table.Column<long>(type: "bigint", nullable: false),
                    program_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    step_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    visit = table.Column<int>(type: "integer", nullable: false),
                    contact_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    entered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    detail = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_step_runs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "programs",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    definition = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_programs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "split_decisions",
                columns: table => new
                {
                    program_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    step_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    winner = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_split_decisions", x => new { x.program_id, x.step_id });
                });

            migrationBuilder.CreateTable(
                name: "target_warnings",
                columns: table => new
                {
                    metric_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    month = table.Column<DateOnly>(type: "date", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actual = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    projection = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    target = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    warned_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    emailed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    email_attempts = table.Column<int>(type: "integer", nullable: false),
                    email_answer = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_target_warnings", x => new { x.metric_id, x.month });
                });

            migrationBuilder.CreateIndex(
                name: "ix_nps_responses_contact_id_survey_id",
                table: "nps_responses",
                columns: new[] { "contact_id", "survey_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_program_enrolments_contact_id_program_id",
                table: "program_enrolments",
                columns: new[] { "contact_id", "program_id" });

            migrationBuilder.CreateIndex(
                name: "ix_program_enrolments_program_id_contact_id",
                table: "program_enrolments",
                columns: new[] { "program_id", "contact_id" },
                unique: true,
                filter: "state = 'active'");

            migrationBuilder.CreateIndex(
                name: "ix_program_enrolments_state_due_at",
                table: "program_enrolments",
                columns: new[] { "state", "due_at" });

            migrationBuilder.CreateIndex(
                name: "ix_program_step_runs_enrolment_id_step_id_visit",
                table: "program_step_runs",
                columns: new[] { "enrolment_id", "step_id", "visit" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_program_step_runs_program_id_entered_at",
                table: "program_step_runs",
                columns: new[] { "program_id", "entered_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "metric_targets");

            migrationBuilder.DropTable(
                name: "monthly_report_runs");

            migrationBuilder.DropTable(
                name: "program_cursors");

            migrationBuilder.DropTable(
                name: "program_enrolments");

            migrationBuilder.DropTable(
                name: "program_step_runs");

            migrationBuilder.DropTable(
                name: "programs");

            migrationBuilder.DropTable(
                name: "split_decisions");

            migrationBuilder.DropTable(
                name: "target_warnings");

            migrationBuilder.DropIndex(
                name: "ix_nps_responses_contact_id_survey_id",
                table: "nps_responses");

            migrationBuilder.DropColumn(
                name: "survey_id",
                table: "nps_responses");

            migrationBuilder.DropColumn(
                name: "confirmation_template_id",
                table: "forms");

            migrationBuilder.AlterColumn<string>(
                name: "time_zone",
                table: "pipeline_settings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);
        }
    }
}
