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
        var model = new Option<string>("--model") { Description = $"the model: {AttributionModels.AllNames}", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var command = new Command("attribution", "Credit conversions to channels with an attribution model (lifecycle.md §6).") { paths, model, json };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(model)!;
            if (!AttributionModels.TryParse(name, out var chosen))
                throw new BadInputException($"--model: '{name}' is not one of {AttributionModels.AllNames}");
            var file = parse.GetValue(paths) ?? throw new BadInputException("--paths: required (attribution over the stored data is not available yet)");
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
            else PrintTable(result);
            return CliExit.Success;
        });
        return command;
    }

    private static void PrintJson(AttributionResult result) => Console.WriteLine(JsonSerializer.Serialize(new
    {
        model = result.Model.Name(),
        conversions = result.Conversions,
        value = result.Value,
        channels = result.Channels.Select(c => new { channel = c.Channel, conversions = c.Conversions, value = c.Value }),
    }, CliJson.Options));

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
