using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifecycle.Capture;
using Lifecycle.Experiments;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Lifecycle.Cli;

/// <summary>lifecycle experiment &lt;program id&gt;:&lt;step id&gt; | form:&lt;form id&gt; [--json]: a program's A/B split or a form's offer test.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var testId = new Argument<string>("test id") { Description = "a program's A/B split, <program id>:<step id>, or a form's offer test, form:<form id>" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var command = new Command("experiment", "A program's A/B split step or a form's offer test: counts per variant, the statistics of lifecycle.md §7 and the test-first decision.") { testId, json };
        command.SetAction(async (parse, cancel) =>
        {
            var id = parse.GetValue(testId)!;
            // form:<id> names a form's offer test; a program called "form" still reaches its splits when no such form exists.
            if (id.StartsWith(OfferTests.TestId(""), StringComparison.Ordinal) && await OfferAsync(parse, id, parse.GetValue(json), cancel) is { } exit)
                return exit;
            var colon = id.LastIndexOf(':');
            if (colon <= 0 || colon == id.Length - 1) throw new BadInputException($"test id: '{id}' is not <program id>:<step id>");
            var (programId, stepId) = (id[..colon], id[(colon + 1)..]);
            var database = CliOptions.Database(parse);
            await database.MigrateAsync(cancel);
            await using var db = database.Open();
            if (await ExperimentEndpoints.FindSplitAsync(db, programId, stepId, cancel) is not { } split)
                throw new BadInputException($"test id: program '{programId}' has no ab_split step '{stepId}'");
            var report = await ProgramSplits.ReportAsync(db, programId, split, cancel);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(AbTestJson.Of(report), CliJson.Options));
                return CliExit.Success;
            }
            var table = new Table().AddColumn("variant").AddColumn(new TableColumn("contacts").RightAligned()).AddColumn(new TableColumn("sent").RightAligned())
                .AddColumn(new TableColumn("opened").RightAligned()).AddColumn(new TableColumn("clicked").RightAligned())
                .AddColumn(new TableColumn($"reached {report.ConversionStatus}").RightAligned());
            foreach (var a in report.Arms)
                table.AddRow(Markup.Escape(a.Variant), N(a.Contacts), N(a.Sent), N(a.Opened), N(a.Clicked), N(a.Converted));
            table.Title = new TableTitle($"{Markup.Escape(id)}: {report.Metric}, control {Markup.Escape(report.Arms[0].Variant)}");
            AnsiConsole.Write(table);
            if (report.Analysis is { } analysis) StatsCommand.PrintTable(analysis);
            else Console.WriteLine("no analysis yet: every variant needs something to compare");
            if (report.Decision is { } decision) Console.WriteLine($"decided {decision.DecidedAt:yyyy-MM-dd HH:mm} UTC: the rest took {decision.Winner}: {decision.Reason}");
            return CliExit.Success;
        });
        return command;
    }

    private static async Task<int?> OfferAsync(ParseResult parse, string id, bool asJson, CancellationToken cancel)
    {
        var formId = id[OfferTests.TestId("").Length..];
        var database = CliOptions.Database(parse);
        await database.MigrateAsync(cancel);
        await using var db = database.Open();
        if (await db.Set<Form>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == formId, cancel) is not { } form) return null;
        if (form.Experiment is null) throw new BadInputException($"test id: form '{formId}' has no experiment");
        var report = await OfferTests.ReportAsync(db, form, cancel);
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(AbTestJson.Of(report), CliJson.Options));
            return CliExit.Success;
        }
        var table = new Table().AddColumn("variant").AddColumn(new TableColumn("visitors").RightAligned()).AddColumn(new TableColumn("submitted").RightAligned());
        foreach (var a in report.Arms) table.AddRow(Markup.Escape(a.Variant), N(a.Visitors), N(a.Submitted));
        table.Title = new TableTitle($"{Markup.Escape(id)}: {OfferTests.Metric}, control {Markup.Escape(report.Arms[0].Variant)}");
        AnsiConsole.Write(table);
        if (report.Analysis is { } analysis) StatsCommand.PrintTable(analysis);
        else Console.WriteLine("no analysis yet: every variant needs visitors to compare");
        if (report.Decision is { } decision) Console.WriteLine($"decided {decision.DecidedAt:yyyy-MM-dd HH:mm} UTC: every later visitor sees {decision.Winner}: {decision.Reason}");
        return CliExit.Success;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
