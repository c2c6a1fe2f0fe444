using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReportCacheLaterData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "depends_from",
                table: "report_cache",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "later",
                table: "report_cache",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "valid_until",
                table: "report_cache",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_report_cache_later",
                table: "report_cache",
                column: "later");

            migrationBuilder.Sql(ReportCacheLaterTriggers.Sqlite());
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(ReportCacheLaterTriggers.DropSqlite());

            migrationBuilder.DropIndex(
                name: "ix_report_cache_later",
                table: "report_cache");

            migrationBuilder.DropColumn(
                name: "depends_from",
                table: "report_cache");

            migrationBuilder.DropColumn(
                name: "later",
                table: "report_cache");

            migrationBuilder.DropColumn(
                name: "valid_until",
                table: "report_cache");
        }
    }
}
