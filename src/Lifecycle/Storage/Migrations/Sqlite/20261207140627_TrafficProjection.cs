using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TrafficProjection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "report_page_views",
                columns: table => new
                {
                    bucket = table.Column<DateTime>(type: "TEXT", nullable: false),
                    visitor_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    page_views = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_page_views", x => new { x.bucket, x.visitor_key });
                });

            migrationBuilder.CreateTable(
                name: "report_projection_cursors",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    arrival = table.Column<long>(type: "INTEGER", nullable: false),
                    message_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    projected = table.Column<string>(type: "TEXT", nullable: false),
                    target = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_projection_cursors", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "report_visitor_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    visitor_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_visitor_changes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "report_visitors",
                columns: table => new
                {
                    visitor_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    last_hit_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_visitors", x => x.visitor_key);
                });

            migrationBuilder.CreateTable(
                name: "report_visits",
                columns: table => new
                {
                    visitor_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    medium = table.Column<string>(type: "TEXT", nullable: true),
                    source = table.Column<string>(type: "TEXT", nullable: true),
                    referrer = table.Column<string>(type: "TEXT", nullable: true),
                    page_host = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_visits", x => new { x.visitor_key, x.started_at });
                });

            migrationBuilder.CreateIndex(
                name: "ix_events_user_id",
                table: "events",
                column: "user_id",
                filter: "name = 'Page Viewed' AND contact_id IS NULL AND user_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_report_page_views_bucket_visitor_key_page_views",
                table: "report_page_views",
                columns: new[] { "bucket", "visitor_key", "page_views" });

            migrationBuilder.CreateIndex(
                name: "ix_report_page_views_visitor_key",
                table: "report_page_views",
                column: "visitor_key");

            migrationBuilder.CreateIndex(
                name: "ix_report_visits_started_at_visitor_key_medium_source_referrer_page_host",
                table: "report_visits",
                columns: new[] { "started_at", "visitor_key", "medium", "source", "referrer", "page_host" });

            // The page views in arrival (rowid) order, for the traffic projection (Reports/TrafficProjection): every
            // SQLite index ends with the rowid, so this one is searched by (name, rowid). Partial, so other events
            // pay no entry; outside the EF model because only that raw query uses it.
            migrationBuilder.Sql("CREATE INDEX ix_events_page_view_arrivals ON events (name) WHERE name = 'Page Viewed';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_events_page_view_arrivals;");

            migrationBuilder.DropTable(
                name: "report_page_views");

            migrationBuilder.DropTable(
                name: "report_projection_cursors");

            migrationBuilder.DropTable(
                name: "report_visitor_changes");

            migrationBuilder.DropTable(
                name: "report_visitors");

            migrationBuilder.DropTable(
                name: "report_visits");

            migrationBuilder.DropIndex(
                name: "ix_events_user_id",
                table: "events");
        }
    }
}
