using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
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
                    bucket = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    visitor_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    page_views = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_page_views", x => new { x.bucket, x.visitor_key });
                });

            migrationBuilder.CreateTable(
                name: "report_projection_cursors",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    arrival = table.Column<long>(type: "bigint", nullable: false),
                    message_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    projected = table.Column<string>(type: "text", nullable: false),
                    target = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_projection_cursors", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "report_visitor_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    visitor_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_visitor_changes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "report_visitors",
                columns: table => new
                {
                    visitor_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    last_hit_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_visitors", x => x.visitor_key);
                });

            migrationBuilder.CreateTable(
                name: "report_visits",
                columns: table => new
                {
                    visitor_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    medium = table.Column<string>(type: "text", nullable: true),
                    source = table.Column<string>(type: "text", nullable: true),
                    referrer = table.Column<string>(type: "text", nullable: true),
                    page_host = table.Column<string>(type: "text", nullable: true)
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

            // The arrival of each event: the id of the transaction that wrote it, outside the EF model because only
            // the traffic projection reads it (Reports/TrafficProjection). Added without a default first, so existing
            // rows stay NULL and the table is not rewritten; the default then applies to new rows only. Indexed for
            // page views only, so the tracking path's other events pay no index entry.
            migrationBuilder.Sql("ALTER TABLE events ADD COLUMN arrival xid8;");
            migrationBuilder.Sql("ALTER TABLE events ALTER COLUMN arrival SET DEFAULT pg_current_xact_id();");
            migrationBuilder.Sql("CREATE INDEX ix_events_arrival ON events (arrival, message_id) WHERE name = 'Page Viewed';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE events DROP COLUMN arrival;");

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
