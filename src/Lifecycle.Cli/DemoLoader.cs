using Lifecycle.Access;
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

    public const string AdminEmail = "admin@demo.lifecycle";

    /// <summary>
    /// The demo's admin sign-in, "e-mail / password". A new password on every start (only its hash is stored), so a
    /// demo left running never keeps a known password.
    /// </summary>
    public static async Task<string> AdminLoginAsync(LifecycleDb db, CancellationToken cancel)
    {
        var password = Users.NewPassword();
        await db.Set<User>().Where(u => u.Email == AdminEmail).ExecuteDeleteAsync(cancel);
        var (user, refusal) = await Users.CreateAsync(db, AdminEmail, "Demo Admin", UserRole.Admin, password, TimeProvider.System, cancel);
        if (user is null) throw new InvalidOperationException(refusal);
        return $"{AdminEmail} / {password}";
    }
}
