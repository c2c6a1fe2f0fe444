using System.CommandLine;
using Lifecycle.Segments;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Cli;

/// <summary>lifecycle segments create|list|count|members: the segment API from the command line.</summary>
internal static class SegmentsCommand
{
    public static Command Create()
    {
        return new Command("segments", "Behavioural segments: filters over profile, account, status, scores and events (see README).")
        {
            CreateCommand(), ListCommand(), CountCommand(), MembersCommand(),
        };
    }

    private static SegmentFilter Parse(string definition, string where)
    {
        try
        {
            return SegmentParser.Parse(definition);
        }
        catch (SegmentSyntaxException e)
        {
            throw new BadInputException($"{where}: {e.Message}");
        }
    }

    private static async Task<LifecycleDb> OpenAsync(ParseResult parse, CancellationToken cancel)
    {
        var database = CliOptions.Database(parse);
        await database.MigrateAsync(cancel);
        return database.Open();
    }

    private static Command CreateCommand()
    {
        var name = new Option<string>("--name") { Description = "a unique name", Required = true };
        var definition = new Option<string>("--definition") { Description = "the filter, e.g. \"status = lead and did 'Demo Requested' within 30 days\"", Required = true };
        var command = new Command("create", "Save a segment; prints its id.") { name, definition };
        command.SetAction(async (parse, cancel) =>
        {
            Parse(parse.GetValue(definition)!, "--definition");
            await using var db = await OpenAsync(parse, cancel);
            var segmentName = parse.GetValue(name)!.Trim();
            if (segmentName.Length is 0 or > 200) throw new BadInputException("--name: 1 to 200 characters");
            if (await db.Set<Segment>().AnyAsync(s => s.Name == segmentName, cancel)) throw new BadInputException($"--name: a segment named '{segmentName}' already exists");
            var segment = await SegmentQueries.CreateAsync(db, segmentName, parse.GetValue(definition)!, TimeProvider.System, cancel);
            Console.WriteLine(segment.Id);
            return CliExit.Success;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "Saved segments: id, name and definition, tab-separated.");
        command.SetAction(async (parse, cancel) =>
        {
            await using var db = await OpenAsync(parse, cancel);
            foreach (var segment in await db.Set<Segment>().AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancel))
                Console.WriteLine($"{segment.Id}\t{segment.Name}\t{segment.Definition}");
            return CliExit.Success;
        });
        return command;
    }

    private static async Task<SegmentFilter> FilterAsync(LifecycleDb db, string? reference, string? definition, CancellationToken cancel)
    {
        if ((reference is null) == (definition is null)) throw new BadInputException("give a segment (id or name) or --definition, not both");
        if (definition is not null) return Parse(definition, "--definition");
        var segment = await SegmentQueries.FindAsync(db, reference!, cancel) ?? throw new BadInputException($"segment: no segment '{reference}'");
        return SegmentParser.Parse(segment.Definition);
    }

    private static Command CountCommand()
    {
        var segment = new Argument<string?>("segment") { Description = "a saved segment's id or name", Arity = ArgumentArity.ZeroOrOne };
        var definition = new Option<string?>("--definition") { Description = "count an unsaved definition instead" };
        var command = new Command("count", "How many contacts are members now.") { segment, definition };
        command.SetAction(async (parse, cancel) =>
        {
            await using var db = await OpenAsync(parse, cancel);
            var filter = await FilterAsync(db, parse.GetValue(segment), parse.GetValue(definition), cancel);
            Console.WriteLine(await SegmentQueries.CountAsync(db, filter, TimeProvider.System, cancel));
            return CliExit.Success;
        });
        return command;
    }

    private static Command MembersCommand()
    {
        var segment = new Argument<string?>("segment") { Description = "a saved segment's id or name", Arity = ArgumentArity.ZeroOrOne };
        var definition = new Option<string?>("--definition") { Description = "list the members of an unsaved definition instead" };
        var command = new Command("members", "The members now, as CSV on stdout (contact_id, email, first_name, last_name, title, status, account_id).") { segment, definition };
        command.SetAction(async (parse, cancel) =>
        {
            await using var db = await OpenAsync(parse, cancel);
            var filter = await FilterAsync(db, parse.GetValue(segment), parse.GetValue(definition), cancel);
            Console.Write(SegmentEndpoints.ToCsv(await SegmentQueries.MembersAsync(db, filter, TimeProvider.System, null, 0, cancel)));
            return CliExit.Success;
        });
        return command;
    }
}
