using System.CommandLine;
using Lifecycle.Storage;

namespace Lifecycle.Cli;

internal static class CliOptions
{
    public static readonly Option<string?> Db = new("--db")
    {
        Description = "Database connection string: a SQLite file path (default data/lifecycle.db) or a PostgreSQL connection string. Also LIFECYCLE_DB.",
        Recursive = true,
    };

    /// <summary>--db, then LIFECYCLE_DB, then the embedded SQLite default.</summary>
    public static Database Database(ParseResult parse) =>
        Storage.Database.Parse(parse.GetValue(Db) ?? Environment.GetEnvironmentVariable("LIFECYCLE_DB"));
}

/// <summary>Exit codes of interchange.md: 0 success, 1 bad input (the message names what and where), 2 other failure.</summary>
internal sealed class BadInputException(string message) : Exception(message);

internal static class CliExit
{
    public const int Success = 0, BadInput = 1, Failure = 2;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine(error.Message);
            return BadInput;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (BadInputException e)
        {
            Console.Error.WriteLine(e.Message);
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return Failure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}
