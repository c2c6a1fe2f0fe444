using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Lifecycle.Access;

namespace Lifecycle.Tracking;

/// <summary>
/// The Segment HTTP Tracking API (/v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias,
/// /v1/batch and /v1/import), as existing clients send it: the write key as the basic-auth user name or as
/// <c>writeKey</c> in the body, gzip bodies, <c>text/plain</c> from browsers. 200 means every accepted message is
/// durable (committed); a retry with the same messageId is harmless.
/// </summary>
public static class TrackingEndpoints
{
    private static readonly Dictionary<string, string> SingleRoutes = new()
    {
        ["track"] = "track", ["t"] = "track",
        ["identify"] = "identify", ["i"] = "identify",
        ["page"] = "page", ["p"] = "page",
        ["screen"] = "screen", ["s"] = "screen",
        ["group"] = "group", ["g"] = "group",
        ["alias"] = "alias", ["a"] = "alias",
    };

    public static void MapTrackingEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Tracking").DisableAntiforgery();
        v1.MapPost("/batch", (HttpContext http, TrackingIngest ingest, WriteKeys keys) => Receive(http, ingest, keys, null))
            .WithSummary("Send up to 2,500 Segment messages (500 KB) in one request");
        v1.MapPost("/import", (HttpContext http, TrackingIngest ingest, WriteKeys keys) => Receive(http, ingest, keys, null))
            .WithSummary("Alias of /v1/batch (Segment's import endpoint)");
        v1.MapPost("/{call:regex(^(track|identify|page|screen|group|alias|t|i|p|s|g|a)$)}",
                (string call, HttpContext http, TrackingIngest ingest, WriteKeys keys) => Receive(http, ingest, keys, SingleRoutes[call]))
            .WithSummary("Send one Segment message (identify, track, page, screen, group, alias)");
        // Browsers post cross-origin with text/plain (no preflight); answer so they see success.
        v1.MapMethods("/{**path}", ["OPTIONS"], (HttpContext http) =>
        {
            AllowAnyOrigin(http);
            http.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
            http.Response.Headers.AccessControlAllowHeaders = "Content-Type, Authorization, Content-Encoding";
            return Results.NoContent();
        }).ExcludeFromDescription();
    }

    private static async Task<IResult> Receive(HttpContext http, TrackingIngest ingest, WriteKeys keys, string? routeType)
    {
        AllowAnyOrigin(http);
        var limit = routeType is null ? SegmentMessages.MaxBatchBytes : SegmentMessages.MaxMessageBytes;
        var body = await ReadBodyAsync(http.Request, limit, http.RequestAborted);
        if (body.Error is not null) return body.Error;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Bytes);
        }
        catch (JsonException e)
        {
            return Problem(400, "Malformed JSON", $"The body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            var key = BasicAuthUser(http.Request) ?? (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("writeKey", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null);
            if (string.IsNullOrEmpty(key))
                return Problem(401, "Unauthorized", "Send the workspace write key as the basic-auth user name or as writeKey in the body.");
            if (!await keys.IsValidAsync(key, http.RequestAborted))
                return Problem(401, "Unauthorized", "Unknown or revoked write key.");

            var receivedAt = ingest.Now();
            var accepted = new List<SegmentMessage>();
            var errors = new Dictionary<string, string[]>();
            if (routeType is null)
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
                    return Problem(400, "Invalid batch", "The body must be an object with a 'batch' array.", new() { ["batch"] = ["required array of messages"] });
                var count = batch.GetArrayLength();
                if (count > SegmentMessages.MaxBatchMessages)
                    return Problem(400, "Batch too large", $"A batch holds at most {SegmentMessages.MaxBatchMessages} messages; this one has {count}.", new() { ["batch"] = [$"{count} messages, limit {SegmentMessages.MaxBatchMessages}"] });
                DateTime? sentAt = root.TryGetProperty("sentAt", out var s) && s.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(s.GetString(), out var parsed) ? parsed.UtcDateTime : null;
                var index = 0;
                foreach (var item in batch.EnumerateArray())
                {
                    if (System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(item).Length > SegmentMessages.MaxMessageBytes)
                        errors[$"batch[{index}]"] = [$"message larger than {SegmentMessages.MaxMessageBytes / 1024} KB"];
                    else
                        Collect(SegmentMessages.Read(item, null, receivedAt, sentAt, NewMessageId), $"batch[{index}]", accepted, errors);
                    index++;
                }
            }
            else
            {
                Collect(SegmentMessages.Read(root, routeType, receivedAt, null, NewMessageId), "", accepted, errors);
            }

            var stored = accepted.Count > 0 ? await ingest.StoreAsync(accepted, http.RequestAborted) : 0;
            if (errors.Count > 0)
                return Problem(400, "Invalid messages",
                    accepted.Count > 0
                        ? $"{errors.Count} message(s) were refused and are listed by index; the other {accepted.Count} were stored."
                        : "The message was refused; nothing was stored.",
                    errors, accepted.Count);
            return Results.Json(new { success = true, accepted = accepted.Count, stored });
        }
    }

    private static void Collect((SegmentMessage? Message, List<MessageError> Errors) read, string prefix,
        List<SegmentMessage> accepted, Dictionary<string, string[]> errors)
    {
        if (read.Message is not null) { accepted.Add(read.Message); return; }
        foreach (var group in read.Errors.GroupBy(e => e.Field))
            errors[prefix.Length == 0 ? group.Key : $"{prefix}.{group.Key}"] = group.Select(e => e.Reason).ToArray();
    }

    private static string NewMessageId() => "srv-" + Guid.NewGuid().ToString("N");

    private sealed record Body(byte[] Bytes, IResult? Error);

    /// <summary>Reads the (possibly gzip) body, refusing it as soon as it passes the limit, so a gzip bomb costs nothing.</summary>
    private static async Task<Body> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancel)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        Stream source = request.Body;
        if (encoding.Contains("gzip", StringComparison.OrdinalIgnoreCase)) source = new GZipStream(source, CompressionMode.Decompress);
        else if (encoding.Contains("deflate", StringComparison.OrdinalIgnoreCase)) source = new ZLibStream(source, CompressionMode.Decompress);
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return new([], Problem(415, "Unsupported encoding", $"Content-Encoding '{encoding}' is not supported; send identity or gzip."));

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, cancel)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                    return new([], Problem(400, "Request too large",
                        $"The body is larger than {limit / 1024} KB (Segment's limit for this endpoint).", new() { ["body"] = [$"over {limit / 1024} KB"] }));
            }
        }
        catch (InvalidDataException)
        {
            return new([], Problem(400, "Malformed body", "The gzip body could not be decompressed."));
        }
        finally
        {
            if (!ReferenceEquals(source, request.Body)) await source.DisposeAsync();
        }
        return buffer.Length == 0
            ? new([], Problem(400, "Empty body", "The body must be a JSON message."))
            : new(buffer.ToArray(), null);
    }

    private static string? BasicAuthUser(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var user = decoded.Split(':', 2)[0];
            return user.Length == 0 ? null : user;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void AllowAnyOrigin(HttpContext http) => http.Response.Headers.AccessControlAllowOrigin = "*";

    private static IResult Problem(int status, string title, string detail, Dictionary<string, string[]>? errors = null, int? stored = null)
    {
        var extensions = new Dictionary<string, object?>();
        if (errors is not null) extensions["errors"] = errors;
        if (stored is not null) extensions["accepted"] = stored;
        return Results.Problem(title: title, detail: detail, statusCode: status, extensions: extensions);
    }
}

/// <summary>Checks write keys; valid keys are remembered for a minute so a busy tracking endpoint does not query per request.</summary>
public sealed class WriteKeys(Storage.Database database, TimeProvider clock)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _valid = new();

    public async Task<bool> IsValidAsync(string key, CancellationToken cancel)
    {
        var now = clock.GetUtcNow();
        if (_valid.TryGetValue(key, out var until) && until > now) return true;
        await using var db = database.Open();
        if (await ApiKeys.FindAsync(db, key, ApiKeyKind.Write, cancel) is null) return false;
        _valid[key] = now.AddMinutes(1);
        return true;
    }
}
