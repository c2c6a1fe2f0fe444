using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Programs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
                name: "program_cursors");

            migrationBuilder.DropTable(
                name: "program_enrolments");

            migrationBuilder.DropTable(
                name: "program_step_runs");

            migrationBuilder.DropTable(
                name: "programs");
        }
    }
}
