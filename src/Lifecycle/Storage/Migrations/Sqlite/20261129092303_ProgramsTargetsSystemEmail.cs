using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 100);

            // UTC was the only default before the queue could follow the workspace's zone.
            migrationBuilder.Sql("UPDATE pipeline_settings SET time_zone = NULL WHERE time_zone = 'UTC'");

            migrationBuilder.AddColumn<string>(
                name: "survey_id",
                table: "nps_responses",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "confirmation_template_id",
                table: "forms",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.CreateTable(
                name: "metric_targets",
                columns: table => new
                {
                    metric_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    month = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    value = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_metric_targets", x => new { x.metric_id, x.month });
                });

            migrationBuilder.CreateTable(
                name: "monthly_report_runs",
                columns: table => new
                {
                    month = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    sent_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    answer = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_monthly_report_runs", x => x.month);
                });

            migrationBuilder.CreateTable(
                name: "program_cursors",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_cursors", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "program_enrolments",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    program_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    contact_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    current_step_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    visit = table.Column<int>(type: "INTEGER", nullable: false),
                    waiting = table.Column<bool>(type: "INTEGER", nullable: false),
                    due_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    trigger = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    entered_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    end_reason = table.Column<string>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_enrolments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "program_step_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    enrolment_id = table.Column<long>(type: "INTEGER", nullable: false),
                    program_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    step_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    visit = table.Column<int>(type: "INTEGER", nullable: false),
                    contact_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    entered_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    detail = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_program_step_runs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "programs",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    definition = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_programs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "split_decisions",
                columns: table => new
                {
                    program_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    step_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    winner = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    reason = table.Column<string>(type: "TEXT", nullable: false),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_split_decisions", x => new { x.program_id, x.step_id });
                });

            migrationBuilder.CreateTable(
                name: "target_warnings",
                columns: table => new
                {
                    metric_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    month = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    actual = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: true),
                    projection = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: true),
                    target = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    warned_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    emailed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    email_attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    email_answer = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
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
                type: "TEXT",
                maxLength: 100,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 100,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);
        }
    }
}
