using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScoringRuleSources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_score_changes_message_id",
                table: "score_changes");

            migrationBuilder.CreateTable(
                name: "scoring_rule_sources",
                columns: table => new
                {
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    rule_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    source_version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scoring_rule_sources", x => new { x.version, x.rule_id, x.source_version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scoring_rule_sources");

            migrationBuilder.CreateIndex(
                name: "ix_score_changes_message_id",
                table: "score_changes",
                column: "message_id");
        }
    }
}
