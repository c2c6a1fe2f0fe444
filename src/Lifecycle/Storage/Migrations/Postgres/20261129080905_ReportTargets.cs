using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
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
