using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Interchange;

public class ImportCommandTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Import_and_export_commands_exit_0_and_a_bad_row_exits_1_naming_the_place(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var ok = await CliProcess.RunAsync("import", SampleFolder.Write(), "--db", db.Database.ConnectionString);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("contacts.csv: 3 rows, 3 new", ok.Stdout);

        var exported = Path.Combine(Path.GetTempPath(), $"lifecycle-export-{Guid.NewGuid():N}");
        var export = await CliProcess.RunAsync("export", exported, "--db", db.Database.ConnectionString);
        Assert.Equal(0, export.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(SampleFolder.Write(), "deals.csv")), File.ReadAllText(Path.Combine(exported, "deals.csv")));

        var files = new Dictionary<string, string>(SampleFolder.Files) { ["deals.csv"] = SampleFolder.Files["deals.csv"].Replace("24000", "24,000") };
        var bad = await CliProcess.RunAsync("import", SampleFolder.Write(files), "--db", db.Database.ConnectionString);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("deals.csv:2:", bad.Stderr);
        Assert.Contains("nothing of deals.csv was applied", bad.Stderr);

        var missing = await CliProcess.RunAsync("import", "/no/such/folder", "--db", db.Database.ConnectionString);
        Assert.Equal(1, missing.ExitCode);
    }
}
