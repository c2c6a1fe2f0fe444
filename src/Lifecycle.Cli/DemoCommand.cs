using System.CommandLine;
using System.Globalization;
using Lifecycle.Demo;

namespace Lifecycle.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "where to write the dataset folder" };
        var contacts = new Option<int>("--contacts") { Description = "how many contacts (default 5000)", DefaultValueFactory = _ => 5000 };
        var months = new Option<int>("--months") { Description = "how many months of history (default 24)", DefaultValueFactory = _ => 24 };
        var seed = new Option<int>("--seed") { Description = "random seed: the same arguments give the same bytes (default 42)", DefaultValueFactory = _ => 42 };
        var until = new Option<string?>("--until") { Description = "the last month of data, YYYY-MM (default: the current month)" };
        var command = new Command("demo", "Write a realistic synthetic B2B dataset in the folder format.") { folder, contacts, months, seed, until };
        command.SetAction(parse =>
        {
            var options = Options(parse.GetValue(contacts), parse.GetValue(months), parse.GetValue(seed), parse.GetValue(until));
            var progress = new Progress<int>(n => { if (!Console.IsErrorRedirected) Console.Error.Write($"\r{n:N0} contacts"); });
            var data = DemoFolder.Write(parse.GetValue(folder)!.FullName, options, progress);
            if (!Console.IsErrorRedirected) Console.Error.WriteLine();
            Console.WriteLine($"{data.Contacts.Count:N0} contacts, {data.Accounts.Count:N0} accounts, {data.Transitions.Count:N0} transitions, {data.Deals.Count:N0} deals, {data.Events:N0} events");
            return CliExit.Success;
        });
        return command;
    }

    public static DemoOptions Options(int contacts, int months, int seed, string? until)
    {
        if (contacts < 1) throw new BadInputException("--contacts: must be at least 1");
        if (months is < 1 or > 240) throw new BadInputException("--months: must be between 1 and 240");
        DateOnly last;
        if (until is null) last = DateOnly.FromDateTime(DateTime.UtcNow) is var today ? new DateOnly(today.Year, today.Month, 1) : default;
        else if (!DateOnly.TryParseExact(until + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last))
            throw new BadInputException($"--until: '{until}' is not a month YYYY-MM");
        return new DemoOptions(contacts, months, seed, last);
    }
}
