using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Lifecycle.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SystemEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "time_zone",
                table: "pipeline_settings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100);

            // UTC was the only default before the queue could follow the workspace's zone.
            migrationBuilder.Sql("UPDATE pipeline_settings SET time_zone = NULL WHERE time_zone = 'UTC'");

            migrationBuilder.AddColumn<string>(
                name: "survey_id",
                table: "nps_responses",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "confirmation_template_id",
                table: "forms",
                type: "text",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.CreateIndex(
                name: "ix_nps_responses_contact_id_survey_id",
                table: "nps_responses",
                columns: new[] { "contact_id", "survey_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_nps_responses_contact_id_survey_id",
                table: "nps_responses");

            migrationBuilder.DropColumn(
                name: "survey_id",
                table: "nps_responses");

            migrationBuilder.DropColumn(
                name: "confirmation_template_id",
                table: "forms");

            migrationBuilder.AlterColumn<string>(
                name: "time_zone",
                table: "pipeline_settings",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "contact_id",
                table: "email_messages",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);
        }
    }
}
