using System.CommandLine;
using Lifecycle.Interchange;
using Spectre.Console;

namespace Lifecycle.Cli;

internal static class ImportExportCommands
{
    public static Command Import()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "a dataset folder (docs/interchange.md), CRM exports included" };
        var command = new Command("import", "Import a dataset folder: idempotent, atomic per file; a bad row is reported as file:line:column.") { folder };
        command.SetAction(async (parse, cancel) =>
        {
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            var importer = new DatasetImporter(database, TimeProvider.System);
            var done = new List<FileImportSummary>();
            try
            {
                done = await WithProgressAsync("importing", progress => importer.ImportFolderAsync(parse.GetValue(folder)!.FullName, progress, cancel));
            }
            catch (ImportException e)
            {
                throw new BadInputException($"{e.Message}\nnothing of {e.File} was applied; the files before it were.");
            }
            catch (DirectoryNotFoundException e)
            {
                throw new BadInputException(e.Message);
            }
            foreach (var file in done)
                Console.WriteLine($"{file.File}: {file.Rows:N0} rows, {file.New:N0} new, {file.Took.TotalSeconds:0.0} s");
            return CliExit.Success;
        });
        return command;
    }

    public static Command Export()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "where to write the dataset folder (created if missing)" };
        var command = new Command("export", "Export the whole dataset in the folder format.") { folder };
        command.SetAction(async (parse, cancel) =>
        {
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            var counts = await WithProgressAsync("exporting", progress => new DatasetExporter(database).ExportFolderAsync(parse.GetValue(folder)!.FullName, progress, cancel));
            foreach (var (file, rows) in counts) Console.WriteLine($"{file}: {rows:N0} rows");
            return CliExit.Success;
        });
        return command;
    }

    /// <summary>Shows rows done per file on stderr when it is a terminal; scripts get only the summary on stdout.</summary>
    private static async Task<T> WithProgressAsync<T>(string verb, Func<IProgress<ImportProgress>, Task<T>> work)
    {
        if (Console.IsErrorRedirected) return await work(new Progress<ImportProgress>());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Status().StartAsync(verb, async status =>
        {
            result = await work(new Progress<ImportProgress>(p => status.Status($"{verb} {p.File}: {p.Rows:N0} rows")));
        });
        return result;
    }
}
