using System.Reflection;

namespace Lifecycle.Tracking;

/// <summary>Serves the web tracking script (Tracking/Script/lifecycle.js, embedded in the assembly).</summary>
public static class ScriptEndpoint
{
    private static readonly Lazy<byte[]> Script = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Lifecycle.Tracking.Script.lifecycle.js")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapTrackingScript(this IEndpointRouteBuilder app) =>
        app.MapGet("/lifecycle.js", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            http.Response.Headers.AccessControlAllowOrigin = "*";
            return Results.Bytes(Script.Value, "text/javascript; charset=utf-8");
        }).WithTags("Tracking").WithSummary("The web tracking script: page views, form submissions, anonymous id");
}
