using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifecycle.Experiments;
using Spectre.Console;

namespace Lifecycle.Cli;

/// <summary>The experiment statistics of lifecycle.md §7 as a calculator: `stats ab` and `stats sample-size`.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var command = new Command("stats", "A/B test statistics as a calculator (lifecycle.md §7).");
        command.Subcommands.Add(Ab());
        command.Subcommands.Add(SampleSize());
        return command;
    }

    private static Command Ab()
    {
        var control = new Option<string>("--control") { Description = "the control's <conversions>/<n>", Required = true };
        var variants = new Option<string[]>("--variant") { Description = "a variant's <conversions>/<n>; repeat for more variants (each is tested against the control, Holm-corrected)", Required = true };
        var alpha = new Option<double>("--alpha") { Description = "significance level (default 0.05)", DefaultValueFactory = _ => 0.05 };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var command = new Command("ab", "Compare variants with the control: z-test, confidence intervals, Bayesian chance to beat control, and which variant goes to the rest.") { control, variants, alpha, json };
        command.SetAction(parse =>
        {
            var level = Alpha(parse.GetValue(alpha));
            var controlArm = ParseArm("--control", parse.GetValue(control)!);
            var variantArms = parse.GetValue(variants)!.Select(v => ParseArm("--variant", v)).ToList();
            var result = AbTest.Analyze(controlArm, variantArms, level);
            if (parse.GetValue(json)) PrintJson(result);
            else PrintTable(result);
            return CliExit.Success;
        });
        return command;
    }

    private static Command SampleSize()
    {
        var baseline = new Option<double>("--baseline") { Description = "the control's expected conversion rate, in (0, 1)", Required = true };
        var mde = new Option<double>("--mde") { Description = "the smallest absolute lift worth detecting (0.02 = two points)", Required = true };
        var alpha = new Option<double>("--alpha") { Description = "significance level, two-sided (default 0.05)", DefaultValueFactory = _ => 0.05 };
        var power = new Option<double>("--power") { Description = "power (default 0.8)", DefaultValueFactory = _ => 0.8 };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var command = new Command("sample-size", "Contacts needed per variant to detect a lift (the normal approximation of R's power.prop.test).") { baseline, mde, alpha, power, json };
        command.SetAction(parse =>
        {
            var rate = parse.GetValue(baseline);
            var lift = parse.GetValue(mde);
            var level = Alpha(parse.GetValue(alpha));
            var wanted = parse.GetValue(power);
            if (!(rate is > 0 and < 1)) throw new BadInputException($"--baseline: {Format(rate)} is not a rate in (0, 1)");
            if (!(lift != 0 && rate + lift is > 0 and < 1)) throw new BadInputException($"--mde: {Format(lift)} must be non-zero and keep baseline + mde = {Format(rate + lift)} in (0, 1)");
            if (!(wanted is > 0 and < 1)) throw new BadInputException($"--power: {Format(wanted)} is not in (0, 1)");
            var exact = ProportionStatistics.SampleSizePerVariant(rate, lift, level, wanted);
            var perVariant = (long)Math.Ceiling(exact);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { baseline = rate, mde = lift, alpha = level, power = wanted, n = exact, per_variant = perVariant }, CliJson.Options));
            else
                Console.WriteLine($"{perVariant:N0} per variant (n = {Format(exact)}) to detect {Format(rate)} → {Format(rate + lift)} at α = {Format(level)}, power {Format(wanted)}");
            return CliExit.Success;
        });
        return command;
    }

    private static double Alpha(double alpha) =>
        alpha is > 0 and < 1 ? alpha : throw new BadInputException($"--alpha: {Format(alpha)} is not in (0, 1)");

    private static Arm ParseArm(string option, string text) =>
        Arm.TryParse(text, out var reason) ?? throw new BadInputException($"{option}: {reason}");

    private static void PrintJson(AbTestResult result) => Console.WriteLine(JsonSerializer.Serialize(AbTestJson.Of(result), CliJson.Options));

    /// <summary>One column per variant, one row per statistic, so several variants fit a terminal's width.</summary>
    internal static void PrintTable(AbTestResult result)
    {
        var confidence = $"{Format((1 - result.Alpha) * 100)}% CI";
        var table = new Table().AddColumn("").AddColumn(new TableColumn("A (control)").RightAligned());
        foreach (var v in result.Variants) table.AddColumn(new TableColumn(v.Name).RightAligned());
        void Row(string label, string control, Func<VariantResult, string> cell) =>
            table.AddRow([label, control, .. result.Variants.Select(cell)]);
        Row("conversions / n", $"{result.Control.Conversions:N0} / {result.Control.Trials:N0}", v => $"{v.Arm.Conversions:N0} / {v.Arm.Trials:N0}");
        Row("rate", Percent(result.Control.Rate), v => Percent(v.Arm.Rate));
        Row("difference", "", v => Points(v.Difference));
        Row($"difference {confidence}", "", v => $"{Signed(v.DifferenceInterval.Low)} … {Points(v.DifferenceInterval.High)}");
        Row("lift", "", v => v.Lift is { } lift ? Percent(lift) : "-");
        Row($"lift {confidence}", "", v => v.LiftInterval is { } li ? $"{Percent(li.Low)} … {Percent(li.High)}" : "-");
        Row("z", "", v => Format(v.Z));
        Row("p-value", "", v => Format(v.PValue));
        Row("p-value (Holm)", "", v => Format(v.AdjustedPValue));
        Row($"significant at α = {Format(result.Alpha)}", "", v => v.Significant ? "yes" : "no");
        Row("chance to beat control", "", v => Percent(v.ChanceToBeatControl));
        Row("expected loss", "", v => Points(v.ExpectedLoss));
        AnsiConsole.Write(table);
        Console.WriteLine($"decision: {result.Decision.Winner}: {result.Decision.Reason}");
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    private static string Points(double difference) => Signed(difference) + " pt";
    private static string Signed(double difference) => (difference * 100).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
