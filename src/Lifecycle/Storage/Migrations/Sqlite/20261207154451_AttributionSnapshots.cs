using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AttributionSnapshots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "attribution_snapshots",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", nullable: false),
                    query = table.Column<string>(type: "TEXT", nullable: false),
                    models = table.Column<string>(type: "TEXT", nullable: false),
                    reports = table.Column<string>(type: "TEXT", nullable: false),
                    computed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    read_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_attribution_snapshots", x => x.key);
                });

            migrationBuilder.CreateIndex(
                name: "ix_attribution_snapshots_computed_at",
                table: "attribution_snapshots",
                column: "computed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "attribution_snapshots");
        }
    }
}
