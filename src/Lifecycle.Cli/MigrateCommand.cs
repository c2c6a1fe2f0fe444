using System.CommandLine;

namespace Lifecycle.Cli;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Bring the database schema up to date (serve also does this on start).");
        command.SetAction(async (parse, cancel) =>
        {
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            Console.WriteLine($"migrated {database.Describe()}");
            return CliExit.Success;
        });
        return command;
    }
}
