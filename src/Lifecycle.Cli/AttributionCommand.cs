using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifecycle.Attribution;
using Spectre.Console;

namespace Lifecycle.Cli;

internal static class AttributionCommand
{
    public static Command Create()
    {
        var paths = new Option<FileInfo?>("--paths") { Description = "an aggregated path file (path;total_conversions;total_conversion_value;total_null, channels joined by '>')" };
        var model = new Option<string>("--model") { Description = $"the model: {AttributionModels.AllNames}, or all (side by side)", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var csv = new Option<bool>("--csv") { Description = "print CSV instead of a table (one row per model and channel, and per campaign)" };
        var conversion = new Option<string?>("--conversion") { Description = "without --paths: what converts, won_deal|opportunity|mql" };
        var from = new Option<string?>("--from") { Description = "without --paths: first day of the period, YYYY-MM-DD (UTC)" };
        var to = new Option<string?>("--to") { Description = "without --paths: the day after the period, YYYY-MM-DD (UTC)" };
        var halfLife = new Option<double>("--half-life") { Description = "time_decay half-life in days (default 7)", DefaultValueFactory = _ => 7 };
        var lookback = new Option<int>("--lookback") { Description = "without --paths: lookback window in days before each conversion (default 365)", DefaultValueFactory = _ => AttributionModels.DefaultLookbackDays };
        var accounts = new Option<bool>("--accounts") { Description = "without --paths: the account-based view (a journey holds every contact of the account)" };
        var command = new Command("attribution", "Credit conversions to channels with an attribution model (lifecycle.md §6): from the database, or from a path file with --paths.")
            { paths, model, json, csv, conversion, from, to, halfLife, lookback, accounts };
        command.SetAction(async (parse, cancel) =>
        {
            var name = parse.GetValue(model)!;
            var all = name.Trim().Equals("all", StringComparison.OrdinalIgnoreCase);
            if (!AttributionModels.TryParse(name, out var chosen) && !all)
                throw new BadInputException($"--model: '{name}' is not one of {AttributionModels.AllNames}, all");
            if (parse.GetValue(json) && parse.GetValue(csv)) throw new BadInputException("--json and --csv: choose one");
            if (parse.GetValue(paths) is not { } file)
            {
                var query = StoredQuery(chosen, parse.GetValue(conversion), parse.GetValue(from), parse.GetValue(to), parse.GetValue(halfLife), parse.GetValue(lookback))
                    with { AccountBased = parse.GetValue(accounts) };
                var database = CliOptions.Database(parse);
                await database.MigrateAsync(cancel);
                await using var db = database.Open();
                if (all)
                {
                    var reports = await StoredAttribution.RunAllAsync(db, query, Enum.GetValues<AttributionModel>(), cancel);
                    if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { models = reports.Select(AttributionJson.Of) }, CliJson.Options));
                    else if (parse.GetValue(csv)) Console.Write(AttributionCsv.Of(reports));
                    else PrintSideBySide(reports.Select(r => (r.Query.Model, r.Channels.Select(c => (c.Channel, c.Conversions)))).ToList());
                    return CliExit.Success;
                }
                var report = await StoredAttribution.RunAsync(db, query, cancel);
                if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(AttributionJson.Of(report), CliJson.Options));
                else if (parse.GetValue(csv)) Console.Write(AttributionCsv.Of([report]));
                else PrintReport(report);
                return CliExit.Success;
            }
            if (!file.Exists) throw new BadInputException($"--paths: {file.FullName} does not exist");
            List<PathCount> rows;
            try
            {
                using var reader = file.OpenText();
                rows = PathFile.Read(reader);
            }
            catch (PathFileException e)
            {
                throw new BadInputException($"{file.Name}:{e.Line}: {e.Reason}");
            }
            if (all)
            {
                // The models a path file can feed; the others need instants (see RunOnPaths).
                var results = Enum.GetValues<AttributionModel>().Where(m => !m.NeedsInstants()).Select(m => Attributor.RunOnPaths(m, rows)).ToList();
                if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { models = results.Select(ResultJson) }, CliJson.Options));
                else if (parse.GetValue(csv)) Console.Write(AttributionCsv.Of(results));
                else PrintSideBySide(results.Select(r => (r.Model, r.Channels.Select(c => (c.Channel, c.Conversions)))).ToList());
                return CliExit.Success;
            }
            AttributionResult result;
            try
            {
                result = Attributor.RunOnPaths(chosen, rows);
            }
            catch (ArgumentException e)
            {
                throw new BadInputException($"--model: {e.Message}");
            }
            if (parse.GetValue(json)) PrintJson(result);
            else if (parse.GetValue(csv)) Console.Write(AttributionCsv.Of([result]));
            else PrintTable(result);
            return CliExit.Success;
        });
        return command;
    }

    private static AttributionQuery StoredQuery(AttributionModel model, string? conversion, string? from, string? to, double halfLifeDays, int lookbackDays)
    {
        if (conversion is null) throw new BadInputException("--conversion: required without --paths (won_deal, opportunity or mql)");
        if (!Storage.SnakeCase.TryParseEnum<ConversionKind>(conversion, out var kind))
            throw new BadInputException($"--conversion: '{conversion}' is not one of won_deal, opportunity, mql");
        var start = Day("--from", from);
        var end = Day("--to", to);
        if (end <= start) throw new BadInputException($"--to: {to} must be after --from {from}");
        if (!(halfLifeDays > 0)) throw new BadInputException($"--half-life: {halfLifeDays} must be a positive number of days");
        if (lookbackDays is <= 0 or > 3650) throw new BadInputException($"--lookback: {lookbackDays} must be a number of days from 1 to 3650");
        return new AttributionQuery(model, kind, start, end, TimeSpan.FromDays(halfLifeDays), lookbackDays);
    }

    private static DateTimeOffset Day(string option, string? text)
    {
        if (text is null) throw new BadInputException($"{option}: required without --paths (YYYY-MM-DD)");
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            throw new BadInputException($"{option}: '{text}' is not a date YYYY-MM-DD");
        return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
    }

    private static void PrintReport(AttributionReport report)
    {
        var table = new Table().AddColumn("channel").AddColumn(new TableColumn("conversions").RightAligned())
            .AddColumn(new TableColumn("revenue").RightAligned()).AddColumn(new TableColumn("cost").RightAligned()).AddColumn(new TableColumn("ROI").RightAligned());
        foreach (var c in report.Channels)
            table.AddRow(Markup.Escape(c.Channel), c.Conversions.ToString("N2", CultureInfo.InvariantCulture), c.Revenue.ToString("N2", CultureInfo.InvariantCulture),
                c.Cost.ToString("N2", CultureInfo.InvariantCulture), c.Roi is { } roi ? roi.ToString("P1", CultureInfo.InvariantCulture) : "-");
        table.AddRow("[bold]total[/]", report.Conversions.ToString("N2", CultureInfo.InvariantCulture), report.Revenue.ToString("N2", CultureInfo.InvariantCulture), "", "");
        table.Title = new TableTitle($"{report.Query.Model.Name()} attribution of {Storage.SnakeCase.Of(report.Query.Conversion.ToString())}");
        AnsiConsole.Write(table);
    }

    private static void PrintJson(AttributionResult result) => Console.WriteLine(JsonSerializer.Serialize(ResultJson(result), CliJson.Options));

    private static object ResultJson(AttributionResult result) => new
    {
        model = result.Model.Name(),
        conversions = result.Conversions,
        value = result.Value,
        channels = result.Channels.Select(c => new { channel = c.Channel, conversions = c.Conversions, value = c.Value }),
    };

    /// <summary>Credited conversions per channel (rows) and model (columns), so a reader sees where the models disagree.</summary>
    private static void PrintSideBySide(IReadOnlyList<(AttributionModel Model, IEnumerable<(string Channel, double Conversions)> Channels)> results)
    {
        var cells = results.Select(r => r.Channels.ToDictionary(c => c.Channel, c => c.Conversions)).ToList();
        var channels = cells.SelectMany(c => c.Keys).Distinct().OrderByDescending(ch => cells[0].GetValueOrDefault(ch)).ThenBy(ch => ch, StringComparer.Ordinal);
        var table = new Table().AddColumn("channel");
        foreach (var (model, _) in results) table.AddColumn(new TableColumn(model.Name().Replace('_', ' ')).RightAligned());
        foreach (var channel in channels)
            table.AddRow([Markup.Escape(channel), .. cells.Select(c => c.GetValueOrDefault(channel).ToString("N1", CultureInfo.InvariantCulture))]);
        table.Title = new TableTitle("credited conversions by model");
        AnsiConsole.Write(table);
    }

    private static void PrintTable(AttributionResult result)
    {
        var table = new Table().AddColumn("channel")
            .AddColumn(new TableColumn("conversions").RightAligned())
            .AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("value").RightAligned());
        foreach (var channel in result.Channels)
            table.AddRow(Markup.Escape(channel.Channel), channel.Conversions.ToString("N2", CultureInfo.InvariantCulture),
                (result.Conversions > 0 ? channel.Conversions / result.Conversions : 0).ToString("P1", CultureInfo.InvariantCulture),
                channel.Value.ToString("N2", CultureInfo.InvariantCulture));
        table.AddRow("[bold]total[/]", result.Conversions.ToString("N2", CultureInfo.InvariantCulture), "", result.Value.ToString("N2", CultureInfo.InvariantCulture));
        table.Title = new TableTitle($"{result.Model.Name()} attribution");
        AnsiConsole.Write(table);
    }
}

internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
