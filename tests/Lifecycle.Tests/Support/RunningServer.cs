using System.Net.Http.Headers;
using Lifecycle.Access;
using Lifecycle.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Support;

/// <summary>The real server on a loopback port (Kestrel, real HTTP), on a throwaway database of one engine.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, TestDatabase database, HttpClient client, Uri address)
    {
        _app = app;
        Database = database;
        Client = client;
        Address = address;
    }

    public TestDatabase Database { get; }

    /// <summary>A client that sends a valid secret API key.</summary>
    public HttpClient Client { get; }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public const string WithScoringWorker = "--Lifecycle:Scoring:Worker=true";

    /// <param name="settings">Extra configuration as command-line arguments (e.g. <c>--Lifecycle:Workspace:TimeZone=Asia/Tokyo</c>).</param>
    public static Task<RunningServer> StartAsync(string engine, params string[] settings) => StartAsync(engine, null, settings);

    /// <param name="configure">Replaces services (a fake clock, say) before the host is built.</param>
    public static async Task<RunningServer> StartAsync(string engine, Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        var database = await TestDatabase.CreateAsync(engine);
        // The scoring worker reacts to tracked events with score and status changes: off unless a test asks for it
        // (WithScoringWorker), so other tests see only what they caused. A later setting wins.
        var app = LifecycleServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Lifecycle:Scoring:Worker=false", "--Lifecycle:Programs:Worker=false", .. settings], database.Database, configure);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await using var db = database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Secret, "tests", TimeProvider.System);
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new RunningServer(app, database, client, address);
    }

    /// <summary>A client with no API key, for checking what anonymous callers get.</summary>
    public HttpClient AnonymousClient() => new() { BaseAddress = Address };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
    }
}
