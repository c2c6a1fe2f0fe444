using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
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
                    key = table.Column<string>(type: "text", nullable: false),
                    query = table.Column<string>(type: "text", nullable: false),
                    models = table.Column<string>(type: "text", nullable: false),
                    reports = table.Column<string>(type: "text", nullable: false),
                    computed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    read_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
