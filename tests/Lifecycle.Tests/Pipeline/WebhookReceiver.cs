using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Tests.Pipeline;

/// <summary>
/// A CRM stand-in: a tiny Kestrel app on loopback that checks each request's signature with its own HMAC
/// (not the product's code), records what it got, and answers 500 to the first <c>failFirst</c> requests.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(string DeliveryId, string EventType, JsonElement Body, bool SignatureValid, long SignedAt, int Answer);

    private readonly WebApplication _app;
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app, int failFirst) => (_app, _failuresLeft) = (app, failFirst);

    public ConcurrentQueue<Received> Requests { get; } = new();
    public string Url { get; private set; } = "";
    public int Port { get; private set; }

    public static async Task<WebhookReceiver> StartAsync(string secret, int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var (valid, signedAt) = Check(secret, request.Headers["X-Lifecycle-Signature"].ToString(), body);
            var answer = Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? 500 : 200;
            receiver.Requests.Enqueue(new Received(request.Headers["X-Lifecycle-Delivery"].ToString(), request.Headers["X-Lifecycle-Event"].ToString(),
                JsonDocument.Parse(body).RootElement.Clone(), valid, signedAt, answer));
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        receiver.Port = address.Port;
        receiver.Url = $"http://127.0.0.1:{address.Port}/hook";
        return receiver;
    }

    private static (bool Valid, long SignedAt) Check(string secret, string header, byte[] body)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1) || !long.TryParse(t, out var seconds)) return (false, 0);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray());
        return (Convert.ToHexStringLower(mac) == v1, seconds);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
