using System.Diagnostics;

namespace Lifecycle.Tests.Server;

/// <summary>The README's `./lifecycle` script itself (dotnet run of this checkout), not only the built program.</summary>
public class ReadmeCommandTests
{
    [Fact]
    public async Task The_lifecycle_script_passes_its_arguments_through_to_the_command()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Lifecycle.slnx"))) root = root.Parent!;
        var database = Path.Combine(Path.GetTempPath(), $"lifecycle-readme-{Guid.NewGuid():N}.db");
        try
        {
            var start = new ProcessStartInfo(Path.Combine(root.FullName, "lifecycle"))
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath(),
            };
            foreach (var arg in new[] { "--db", database, "keys", "create", "--kind", "secret", "--name", "readme" }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6)); // the first run builds Release
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await stderr + await stdout);
            Assert.Matches("^lc_sk_[0-9a-f]+$", (await stdout).Trim().Split('\n')[^1]);
        }
        finally
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(database + suffix);
        }
    }
}
