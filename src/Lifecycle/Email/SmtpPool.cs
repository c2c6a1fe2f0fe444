using System.Net.Sockets;
using System.Threading.RateLimiting;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Lifecycle.Email;

public enum SendResult { Accepted, HardBounce, Rejected, Temporary }

/// <summary>What the SMTP server said to one message.</summary>
public sealed record SendOutcome(SendResult Result, string Answer)
{
    /// <summary>
    /// 5xx is permanent: a refused recipient is a hard bounce (the address is suppressed); a refused sender or
    /// message fails this message only. 4xx is temporary and retried.
    /// </summary>
    public static SendOutcome FromCommandError(int statusCode, SmtpErrorCode error, string message) =>
        new(statusCode >= 500
                ? error == SmtpErrorCode.RecipientNotAccepted ? SendResult.HardBounce : SendResult.Rejected
                : SendResult.Temporary,
            $"{statusCode} {message}");
}

/// <summary>
/// A few SMTP connections kept open and used in parallel, under one rate limit (messages per second). A
/// connection that fails is dropped and opened again for the next message.
/// </summary>
public sealed class SmtpPool : IAsyncDisposable
{
    private readonly EmailOptions _options;
    private readonly ILogger _log;
    private readonly SmtpClient?[] _clients;
    private readonly TokenBucketRateLimiter _rate;

    public SmtpPool(EmailOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        _clients = new SmtpClient?[Math.Max(1, options.Connections)];
        var perSecond = Math.Max(1, options.RatePerSecond);
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = int.MaxValue, AutoReplenishment = true,
        });
    }

    /// <summary>Sends each message once over the pool; the outcomes are in the order of the messages. Each
    /// connection's task builds the MIME form of the message it takes next, so building runs in parallel too.</summary>
    public async Task<SendOutcome[]> SendAsync<T>(IReadOnlyList<T> messages, Func<T, MimeMessage> build)
    {
        var outcomes = new SendOutcome[messages.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, _clients.Length).Select(slot => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < messages.Count)
            {
                var mime = build(messages[i]);
                using var permit = await _rate.AcquireAsync(1);
                outcomes[i] = await SendOneAsync(slot, mime);
            }
        })));
        return outcomes;
    }

    private async Task<SendOutcome> SendOneAsync(int slot, MimeMessage message)
    {
        try
        {
            var client = _clients[slot] ??= await ConnectAsync();
            var answer = await client.SendAsync(message);
            return new SendOutcome(SendResult.Accepted, "250 " + answer);
        }
        catch (SmtpCommandException e)
        {
            // The connection stays usable: MailKit resets the transaction after a refused command.
            return SendOutcome.FromCommandError((int)e.StatusCode, e.ErrorCode, e.Message);
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException
                                      or AuthenticationException or TimeoutException or OperationCanceledException)
        {
            _log.LogWarning("SMTP {Host}:{Port} failed, will retry: {Error}", _options.SmtpHost, _options.SmtpPort, e.Message);
            await DropAsync(slot);
            return new SendOutcome(SendResult.Temporary, "connection: " + e.Message);
        }
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var client = new SmtpClient { Timeout = 60_000 };
        try
        {
            var security = _options.SmtpSecurity.ToLowerInvariant() switch
            {
                "none" => SecureSocketOptions.None,
                "starttls" => SecureSocketOptions.StartTls,
                "ssl" => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await client.ConnectAsync(_options.SmtpHost!, _options.SmtpPort, security);
            if (!string.IsNullOrEmpty(_options.SmtpUser)) await client.AuthenticateAsync(_options.SmtpUser, _options.SmtpPassword ?? "");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task DropAsync(int slot)
    {
        if (_clients[slot] is not { } client) return;
        _clients[slot] = null;
        try { if (client.IsConnected) await client.DisconnectAsync(true); }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or OperationCanceledException) { }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        for (var slot = 0; slot < _clients.Length; slot++) await DropAsync(slot);
        _rate.Dispose();
    }
}
