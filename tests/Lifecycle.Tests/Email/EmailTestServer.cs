using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Lifecycle.Access;
using Lifecycle.Server;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Builder;
using MimeKit;

namespace Lifecycle.Tests.Email;

/// <summary>
/// The real server with e-mail configured against the SMTP server that test.sh starts (aiosmtpd on loopback,
/// LIFECYCLE_TEST_SMTP), which writes every accepted message into a Maildir (LIFECYCLE_TEST_MAILBOX).
/// </summary>
public sealed class EmailTestServer : IAsyncDisposable
{
    public const string SigningKey = "email-tests-signing-key";
    public const string WebhookKey = "email-tests-webhook-key";
    public const string PostalAddress = "Lifecycle Inc., 1-2-3 Chiyoda, Tokyo 100-0001";

    private readonly WebApplication _app;

    private EmailTestServer(WebApplication app, TestDatabase database, HttpClient client, Uri address)
    {
        _app = app;
        Database = database;
        Client = client;
        Address = address;
    }

    public TestDatabase Database { get; }
    public HttpClient Client { get; }
    public Uri Address { get; }

    /// <summary>Follows no redirect, so a test sees the 302 itself.</summary>
    public HttpClient Public() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Address };

    public static (string Host, int Port) Smtp()
    {
        var value = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_SMTP");
        if (string.IsNullOrWhiteSpace(value) || !value.Contains(':'))
            throw new InvalidOperationException("LIFECYCLE_TEST_SMTP is not set. Run the tests with ./test.sh, which installs and starts an SMTP server (aiosmtpd).");
        return (value[..value.LastIndexOf(':')], int.Parse(value[(value.LastIndexOf(':') + 1)..]));
    }

    public static string Mailbox() =>
        Environment.GetEnvironmentVariable("LIFECYCLE_TEST_MAILBOX") is { Length: > 0 } folder
            ? folder
            : throw new InvalidOperationException("LIFECYCLE_TEST_MAILBOX is not set. Run the tests with ./test.sh, which starts an SMTP server writing to a Maildir.");

    /// <param name="configure">Replaces services (a fake clock, say) before the host is built.</param>
    /// <param name="settings">Extra configuration as command-line arguments.</param>
    public static async Task<EmailTestServer> StartAsync(string engine, Action<WebApplicationBuilder>? configure = null, params string[] settings)
    {
        var (host, port) = Smtp();
        Mailbox();
        var database = await TestDatabase.CreateAsync(engine);
        // The links in a message are built before any request arrives: the port is chosen first.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var httpPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var address = new Uri($"http://127.0.0.1:{httpPort}");
        var app = LifecycleServer.Build(
        [
            "--urls", address.ToString(), "--Logging:LogLevel:Default=Warning",
            $"--Lifecycle:Email:SmtpHost={host}", $"--Lifecycle:Email:SmtpPort={port}", "--Lifecycle:Email:SmtpSecurity=none",
            "--Lifecycle:Email:FromAddress=news@lifecycle.example", "--Lifecycle:Email:FromName=Lifecycle ニュース",
            $"--Lifecycle:Email:PostalAddress={PostalAddress}", $"--Lifecycle:Email:PublicBaseUrl={address}",
            $"--Lifecycle:SigningKey={SigningKey}", $"--Lifecycle:Email:WebhookKey={WebhookKey}",
            "--Lifecycle:Email:PollInterval=00:00:00.2", .. settings,
        ], database.Database, configure);
        await app.StartAsync();
        await using var db = database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Secret, "tests", TimeProvider.System);
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new EmailTestServer(app, database, client, address);
    }

    /// <summary>The message with this Message-ID as the SMTP server stored it; waits for it to arrive.</summary>
    public static async Task<MimeMessage> DeliveredAsync(string messageId)
    {
        var folder = Path.Combine(Mailbox(), "new");
        for (var waited = 0; waited < 200; waited++)
        {
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    // Headers first: most files are other tests' messages.
                    using var stream = File.OpenRead(file);
                    var headers = HeaderList.Load(stream);
                    if (headers[HeaderId.MessageId]?.Trim('<', '>', ' ') != messageId) continue;
                    return await MimeMessage.LoadAsync(file);
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no message {messageId} reached the SMTP server's Maildir {folder} in 20 s");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
    }
}
