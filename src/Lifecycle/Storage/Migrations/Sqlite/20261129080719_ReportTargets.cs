using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReportTargets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "metric_targets");

            migrationBuilder.DropTable(
                name: "monthly_report_runs");

            migrationBuilder.DropTable(
                name: "target_warnings");
        }
    }
}
