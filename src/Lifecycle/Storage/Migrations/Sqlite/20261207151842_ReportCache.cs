using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReportCache : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "report_cache",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", nullable: false),
                    depends_until = table.Column<DateTime>(type: "TEXT", nullable: false),
                    value = table.Column<string>(type: "TEXT", nullable: true),
                    token = table.Column<string>(type: "TEXT", nullable: false),
                    claimed_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_cache", x => x.key);
                });

            migrationBuilder.CreateIndex(
                name: "ix_report_cache_depends_until",
                table: "report_cache",
                column: "depends_until");

            migrationBuilder.Sql(ReportCacheTriggers.Sqlite());
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(ReportCacheTriggers.DropSqlite());

            migrationBuilder.DropTable(
                name: "report_cache");
        }
    }
}
