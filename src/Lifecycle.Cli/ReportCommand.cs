using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifecycle.Reports;
using Lifecycle.Server;
using Lifecycle.Tracking;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Lifecycle.Cli;

/// <summary>`lifecycle report lifecycle|funnel`: the reports of lifecycle.md §3 and §4 as tables, JSON or CSV.</summary>
internal static class ReportCommand
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static Command Create()
    {
        var command = new Command("report", "Reports: the lifecycle metrics and the funnel, for a period [from, to) in the workspace time zone.")
        {
            Lifecycle(),
            FunnelCommand(),
        };
        command.Options.Add(TimeZone);
        return command;
    }

    private static Option<string> Day(string name, string what) => new(name) { Description = $"{what} day YYYY-MM-DD in the workspace time zone", Required = true };

    internal static readonly Option<string?> TimeZone = new("--time-zone")
    {
        Description = "the workspace time zone (IANA id); default Lifecycle:Workspace:TimeZone of appsettings.json, else UTC",
        Recursive = true,
    };

    private static Command Lifecycle()
    {
        var from = Day("--from", "first");
        var to = Day("--to", "end (exclusive)");
        var json = new Option<bool>("--json") { Description = "print {\"from\", \"to\", \"metrics\": {id: value}}" };
        var csv = new Option<bool>("--csv") { Description = "print metric,value rows (objects flattened to dotted names)" };
        var command = new Command("lifecycle", "Every available metric of the catalog for the period.") { from, to, json, csv, Xlsx };
        command.SetAction(async (parse, cancel) =>
        {
            if (new[] { parse.GetValue(json), parse.GetValue(csv), parse.GetValue(Xlsx) is not null }.Count(x => x) > 1)
                throw new BadInputException("--json, --csv and --xlsx: choose one");
            var (reports, period) = await OpenAsync(parse, parse.GetValue(from), parse.GetValue(to), cancel);
            var report = await reports.LifecycleAsync(period, cancel);
            if (parse.GetValue(Xlsx) is { } file) WriteWorkbook(file, ReportXlsx.Lifecycle(report));
            else if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, Json));
            else if (parse.GetValue(csv)) WriteCsv(report);
            else WriteTable(report);
            return CliExit.Success;
        });
        return command;
    }

    private static Command FunnelCommand()
    {
        var mode = new Option<string>("--mode") { Description = "cohort (contacts entering inquiry in the period, followed forward) or period (entries in the period)", Required = true };
        var from = Day("--from", "first");
        var to = Day("--to", "end (exclusive)");
        var by = new Option<string?>("--by") { Description = "one funnel per campaign, channel, source, segment or owner" };
        var window = new Option<string?>("--window") { Description = "cohort mode: count a stage as reached only within this many days of the cohort entry" };
        var view = new Option<string?>("--view") { Description = "contact (default) or account (an account reaches a stage when its first contact does)" };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var command = new Command("funnel", "The funnel: step conversion, days between steps, drop-off, stalled, balance at the period's end.")
        {
            mode, from, to, by, window, view, json, Xlsx,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var errors = new List<string>();
            var options = Reports.Funnel.ParseOptions(parse.GetValue(mode), parse.GetValue(view), parse.GetValue(window), parse.GetValue(by), (f, r) => errors.Add($"--{f}: {r}"));
            if (errors.Count > 0) throw new BadInputException(string.Join("\n", errors));
            var (reports, period) = await OpenAsync(parse, parse.GetValue(from), parse.GetValue(to), cancel);
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            var report = await Reports.Funnel.ReportAsync(reports.Db, period, options.Mode, options.View, options.Window, options.By, now, cancel);
            if (parse.GetValue(Xlsx) is { } file) WriteWorkbook(file, ReportXlsx.Funnel(report));
            else if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, Json));
            else WriteFunnel(report);
            return CliExit.Success;
        });
        return command;
    }

    private static readonly Option<string?> Xlsx = new("--xlsx") { Description = "write the report as an XLSX workbook to this file instead of printing it" };

    /// <summary>Writes the workbook; a path that cannot be written is bad input naming the file.</summary>
    private static void WriteWorkbook(string path, byte[] workbook)
    {
        try
        {
            File.WriteAllBytes(path, workbook);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BadInputException($"--xlsx: cannot write '{path}': {e.Message}");
        }
        Console.WriteLine($"wrote {path}");
    }

    private static void WriteFunnel(FunnelReport report)
    {
        static string N(double? v, string format = "0.#") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
        foreach (var part in report.Funnels)
        {
            var title = $"{report.Mode} funnel ({report.View}s) {report.From} – {report.To}" + (part.Dimension is { } d ? $", {report.By} {d}" : "")
                + (report.WindowDays is { } w ? $", window {w} days" : "");
            var table = new Table().Title(Markup.Escape(title)).AddColumn("stage");
            foreach (var column in new[] { "count", "step rate", "drop-off", "median days", "p75 days", "mean days", "stalled", "" })
                table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var step in part.Steps)
                table.AddRow(step.Stage, step.Count.ToString(CultureInfo.InvariantCulture), step.StepRate is { } r ? r.ToString("0.0%", CultureInfo.InvariantCulture) : "—",
                    N(step.DropOff), N(step.MedianDays), N(step.P75Days), N(step.MeanDays), N(step.Stalled), step.Immature == true ? "immature" : "");
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine("balance at the end: " + string.Join(", ", part.Balance.Select(b => $"{b.Key} {b.Value}")));
        }
        if (report.Mode == "period") AnsiConsole.WriteLine("step rate: entries of a stage / entries of the one before (a ratio of flows, not a conversion rate)");
    }

    internal static async Task<(LifecycleReports, ReportPeriod)> OpenAsync(ParseResult parse, string? from, string? to, CancellationToken cancel)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables().Build();
        if (parse.GetValue(TimeZone) is { } zoneId) configuration["Lifecycle:Workspace:TimeZone"] = zoneId;
        if (ReportPeriod.FindZone(configuration["Lifecycle:Workspace:TimeZone"]) is null)
            throw new BadInputException($"--time-zone: '{configuration["Lifecycle:Workspace:TimeZone"]}' is not a known time zone");
        var settings = LifecycleReports.SettingsFrom(configuration);
        var errors = new List<string>();
        var period = ReportPeriod.Parse(from, to, settings.Zone, (field, reason) => errors.Add($"--{field}: {reason}"));
        if (period is null) throw new BadInputException(string.Join("\n", errors));

        var database = CliOptions.Database(parse);
        await database.MigrateAsync(cancel);
        var channels = configuration.GetSection("Lifecycle:Channels").Get<ChannelRule[]>() is { Length: > 0 } rules ? new ChannelMapping(rules) : ChannelMapping.Default;
        return (new LifecycleReports(database.Open(), TimeProvider.System, channels, settings), period);
    }

    private static IEnumerable<(string Name, string Value)> Lines(LifecycleReport report) =>
        report.Metrics.SelectMany(m => LifecycleReports.Flatten(m.Key, m.Value, Json));

    private static void WriteCsv(LifecycleReport report)
    {
        var output = new StringBuilder("metric,value\n");
        foreach (var (name, value) in Lines(report)) output.Append(Csv(name)).Append(',').Append(Csv(value)).Append('\n');
        Console.Write(output);
    }

    internal static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    private static void WriteTable(LifecycleReport report)
    {
        var table = new Table().Title($"Lifecycle {report.From} – {report.To} ({report.TimeZone}, to exclusive)").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in Lines(report)) table.AddRow(Markup.Escape(name), Markup.Escape(Readable(value)));
        AnsiConsole.Write(table);
    }

    /// <summary>Numbers rounded for reading (four decimals at most); null shows as an em dash.</summary>
    internal static string Readable(string value) =>
        value.Length == 0 ? "—"
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && value.Contains('.')
            ? Math.Round(number, 4).ToString("0.####", CultureInfo.InvariantCulture)
            : value;

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        LifecycleServer.ConfigureJson(options);
        return options;
    }
}
