using System.CommandLine;
using Lifecycle.Access;
using Lifecycle.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lifecycle.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "addresses to listen on (default http://127.0.0.1:5080)" };
        var demo = new Option<bool>("--demo") { Description = "load the demo dataset into an empty database and print a secret API key" };
        var command = new Command("serve", "Run the server: REST API, tracking, dashboard and workers.") { urls, demo };
        command.SetAction(async (parse, cancel) =>
        {
            var hostArgs = parse.GetValue(urls) is { } u ? new[] { "--urls", u } : [];
            var configured = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables().Build()["Lifecycle:Database"];
            var database = Storage.Database.Parse(parse.GetValue(CliOptions.Db) ?? Environment.GetEnvironmentVariable("LIFECYCLE_DB") ?? NullIfEmpty(configured));
            await database.MigrateAsync(cancel);

            string? demoKey = null;
            string? demoLogin = null;
            if (parse.GetValue(demo))
            {
                await DemoLoader.LoadIfEmptyAsync(database, Console.Out, cancel);
                await using var db = database.Open();
                demoKey = await ApiKeys.CreateAsync(db, Lifecycle.Access.ApiKeyKind.Secret, "demo", TimeProvider.System, cancel);
                demoLogin = await DemoLoader.AdminLoginAsync(db, cancel);
            }

            var app = LifecycleServer.Build(hostArgs, database);
            await app.StartAsync(cancel);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine($"Lifecycle is running on {database.Describe()}");
            foreach (var address in addresses)
                Console.WriteLine($"  {address}   (API reference: {address}/reference)");
            if (demoKey is not null) Console.WriteLine($"  API key: {demoKey}");
            if (demoLogin is not null) Console.WriteLine($"  Dashboard sign-in: {demoLogin}");
            Console.WriteLine("Press Ctrl+C to stop.");
            await app.WaitForShutdownAsync(cancel);
            return CliExit.Success;
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
