using Lifecycle.Access;
using Lifecycle.Demo;
using Lifecycle.Interchange;
using Lifecycle.Tests.Support;
using Microsoft.Playwright;

namespace Lifecycle.Tests.Dashboard;

/// <summary>What the dashboard's browser tests share: users, signing in through the login form, opening a page, the demo data.</summary>
internal static class DashboardSession
{
    public const string Password = "dashboard password 1";

    public static async Task<long> UserAsync(RunningServer server, string email, UserRole role)
    {
        await using var db = server.Database.Database.Open();
        return (await Users.CreateAsync(db, email, email, role, Password, TimeProvider.System)).User!.Id;
    }

    public static async Task<IPage> SignInAsync(IBrowser browser, RunningServer server, string email, string password = Password)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/login").ToString());
        await page.FillAsync("input[type=email]", email);
        await page.FillAsync("input[type=password]", password);
        await page.ClickAsync("main button[type=submit]");
        await page.ArrivesAtAsync(server.Address.ToString());
        return page;
    }

    public static async Task<IResponse> OpenAsync(IPage page, RunningServer server, string path, int status = 200)
    {
        var response = await page.GotoAsync(new Uri(server.Address, path).ToString(), new() { Timeout = 120_000 });
        Assert.Equal(status, response!.Status);
        return response;
    }

    /// <summary>The demo dataset (seed 42, twelve months up to this one) imported the way `lifecycle import` does; answers this month.</summary>
    public static async Task<DateOnly> ImportDemoAsync(RunningServer server, int contacts)
    {
        var now = DateTime.UtcNow;
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        var folder = Directory.CreateTempSubdirectory("dash-demo-").FullName;
        try
        {
            DemoFolder.Write(folder, new DemoOptions(contacts, 12, 42, thisMonth));
            await new DatasetImporter(server.Database.Database, TimeProvider.System).ImportFolderAsync(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return thisMonth;
    }
}
