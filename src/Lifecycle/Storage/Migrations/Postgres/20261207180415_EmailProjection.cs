using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EmailProjection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "report_email_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    contact_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_email_changes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "report_emails",
                columns: table => new
                {
                    message_key = table.Column<string>(type: "text", nullable: false),
                    contact_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    program_id = table.Column<string>(type: "text", nullable: true),
                    campaign_id = table.Column<string>(type: "text", nullable: true),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    bounced_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    opened_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    clicked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_emails", x => x.message_key);
                });

            migrationBuilder.CreateIndex(
                name: "ix_report_emails_contact_id",
                table: "report_emails",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "ix_report_emails_sent_at_contact_id_program_id_campaign_id_bounced_at_opened_at_clicked_at",
                table: "report_emails",
                columns: new[] { "sent_at", "contact_id", "program_id", "campaign_id", "bounced_at", "opened_at", "clicked_at" });

            // The e-mail projection (Reports/EmailProjection) reads e-mail events by arrival, as the traffic projection
            // reads page views; other events pay no index entry.
            migrationBuilder.Sql("CREATE INDEX ix_events_email_arrival ON events (arrival, message_id) WHERE name IN ('Email Sent', 'Email Bounced', 'Email Opened', 'Email Clicked');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_events_email_arrival;");

            migrationBuilder.DropTable(
                name: "report_email_changes");

            migrationBuilder.DropTable(
                name: "report_emails");
        }
    }
}
