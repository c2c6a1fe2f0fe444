using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ForgetNpsKeptAcrossATrend : Migration
    {
        /// <summary>
        /// expand.nps counted every answer of the facts it was given, so a month computed within a trend (one load for
        /// several months) was kept with the whole range's answers. Those kept values are forgotten and computed again.
        /// </summary>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DELETE FROM report_cache WHERE key LIKE 'expand.nps|%'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
