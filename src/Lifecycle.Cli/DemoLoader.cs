using Lifecycle.Storage;

namespace Lifecycle.Cli;

internal static class DemoLoader
{
    /// <summary>Fills an empty database with the demo dataset; leaves a database with contacts alone.</summary>
    public static Task LoadIfEmptyAsync(Database database, TextWriter output, CancellationToken cancel)
    {
        output.WriteLine("demo dataset: not available yet");
        return Task.CompletedTask;
    }
}
