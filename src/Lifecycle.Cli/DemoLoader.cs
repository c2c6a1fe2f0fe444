using Lifecycle.Demo;
using Lifecycle.Interchange;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Cli;

internal static class DemoLoader
{
    /// <summary>Fills an empty database with the demo dataset (5,000 contacts over the 24 months up to now); leaves one with contacts alone.</summary>
    public static async Task LoadIfEmptyAsync(Database database, TextWriter output, CancellationToken cancel)
    {
        await using (var db = database.Open())
        {
            if (await db.Contacts.AnyAsync(cancel))
            {
                output.WriteLine("demo: the database already has contacts; nothing loaded");
                return;
            }
        }
        var folder = Directory.CreateTempSubdirectory("lifecycle-demo-").FullName;
        try
        {
            output.WriteLine("demo: generating 5,000 contacts over 24 months…");
            DemoFolder.Write(folder, DemoCommand.Options(5000, 24, 42, null));
            output.WriteLine("demo: importing…");
            foreach (var file in await new DatasetImporter(database, TimeProvider.System).ImportFolderAsync(folder, null, cancel))
                output.WriteLine($"demo: {file.File}: {file.Rows:N0} rows");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
