using System.Reflection;
using System.Threading.RateLimiting;
using Lifecycle.Experiments;
using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Capture;

/// <summary>
/// What visitors reach without a key: the hosted landing pages (/f/{slug}), the submission endpoint shared by
/// those pages and the embed script (/forms.js), view beacons, and the double opt-in confirmation. Pages are
/// server-rendered with every value HTML-encoded, under a CSP with no script at all; the submission endpoint
/// answers any origin (no credentials) and is rate-limited per IP.
/// </summary>
public static class PublicFormEndpoints
{
    public const string SubmissionLimit = "form-submissions";
    private const string VisitorCookie = "lc_aid";

    public static void AddCapture(this WebApplicationBuilder builder)
    {
        var perMinute = builder.Configuration.GetValue("Lifecycle:Capture:SubmissionsPerMinute", 20);
        builder.Services.AddSingleton(ConfirmationLinks.FromConfiguration(Email.EmailOptions.ConfiguredSigningKey(builder.Configuration)));
        builder.Services.AddSingleton<CaptureEmails>();
        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(SubmissionLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (context, cancel) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.AccessControlAllowOrigin = "*";
                response.Headers.RetryAfter = "60";
                await response.WriteAsJsonAsync(new { title = "Too many submissions", status = 429, detail = "too many submissions from this address; try again in a minute" },
                    cancellationToken: cancel);
            };
        });
    }

    public static void MapCapturePages(this WebApplication app)
    {
        if (Email.EmailOptions.ConfiguredSigningKey(app.Configuration) is null)
            app.Logger.LogWarning("Lifecycle:SigningKey is not set: double opt-in links are signed with a key that lives only as long as this process");
        app.MapGet("/forms.js", () => Results.Bytes(EmbedScript.Value, "text/javascript; charset=utf-8"))
            .WithTags("Capture").WithSummary("The embed script: renders a form on any website and posts it here");
        app.MapGet("/f/capture.css", () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/f/{slug}", ShowAsync).ExcludeFromDescription();
        app.MapPost("/f/{slug}", SubmitAsync).DisableAntiforgery().RequireRateLimiting(SubmissionLimit)
            .WithTags("Capture").WithSummary("A form submission (form-encoded; JSON answer when Accept: application/json)");
        app.MapGet("/f/{slug}/definition", DefinitionAsync).WithTags("Capture").WithSummary("What the embed script renders");
        app.MapPost("/f/{slug}/views", ViewAsync).DisableAntiforgery().WithTags("Capture").WithSummary("The embed script's view beacon");
        app.MapGet("/f/confirm/{id}", ConfirmPageAsync).ExcludeFromDescription();
        app.MapPost("/f/confirm/{id}", ConfirmAsync).DisableAntiforgery().ExcludeFromDescription();
    }

    private static Task<Form?> FindAsync(LifecycleDb db, string slug) =>
        db.Set<Form>().AsNoTracking().FirstOrDefaultAsync(f => f.Slug == slug.ToLowerInvariant());

    private static async Task<IResult> ShowAsync(HttpContext http, LifecycleDb db, TrackingIngest ingest, TimeProvider clock, string slug)
    {
        var form = await FindAsync(db, slug);
        if (form is null) return NotFoundPage(http);
        var now = clock.GetUtcNow().UtcDateTime;
        form = await OfferTests.DecideWhenDueAsync(db, form, now, http.RequestAborted);
        var anonymousId = VisitorId(http);
        var variant = OfferTests.VariantFor(form, anonymousId);
        var utm = FormFields.Utm.Select(n => (n, v: http.Request.Query[n].ToString())).Where(p => p.v.Length is > 0 and <= SubmissionCheck.MaxValueLength)
            .ToDictionary(p => p.n, p => p.v);
        await Submissions.RecordViewAsync(ingest, form, variant, anonymousId, HostedUrl(http, form), utm, Referrer(http), now, http.RequestAborted);
        return Page(http, form.Presenting(variant), new LandingPage.State(Values: utm.ToDictionary(p => p.Key, p => (string?)p.Value), AnonymousId: anonymousId));
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, LifecycleDb db, Database database, ChannelMapping channels, CaptureEmails emails,
        TimeProvider clock, ILogger<Form> log, string slug)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var wantsJson = http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
        var form = await FindAsync(db, slug);
        if (form is null) return wantsJson ? Validation.NotFound("form", slug) : NotFoundPage(http);
        if (!http.Request.HasFormContentType)
            return TypedResults.Problem("send the form as application/x-www-form-urlencoded or multipart/form-data", statusCode: 415, title: "Unsupported media type");
        var posted = (await http.Request.ReadFormAsync(http.RequestAborted)).ToDictionary(p => p.Key, p => (string?)p.Value.ToString());

        if (SubmissionCheck.IsBot(posted))
        {
            log.LogInformation("form {Form}: a submission with the honeypot filled was dropped", form.Id);
            return Success(http, form, wantsJson);
        }
        var check = new Validation();
        var submission = SubmissionCheck.Read(form, posted, check);
        if (submission is null)
        {
            var visitor = posted.GetValueOrDefault(FormFields.AnonymousId);
            var shown = form.Presenting(visitor is null ? null : OfferTests.VariantFor(form, visitor));
            return wantsJson ? check.Problem() : Page(http, shown, new LandingPage.State(posted, check.Errors, visitor), 400);
        }

        // The hosted page's own address, or the embedding page the script reported.
        var page = wantsJson && submission.Page is { } embedding ? embedding : HostedUrl(http, form);
        await Submissions.StoreAsync(database, channels, emails, form, submission with { AnonymousId = submission.AnonymousId ?? VisitorIdOrNull(http) },
            page, clock.GetUtcNow().UtcDateTime, http.RequestAborted);
        return Success(http, form, wantsJson);
    }

    /// <summary>The thank-you message, or a redirect to the form's configured URL and nowhere else.</summary>
    private static IResult Success(HttpContext http, Form form, bool wantsJson)
    {
        if (wantsJson) return TypedResults.Ok(new { message = form.RedirectUrl is null ? form.ThankYouMessage : null, redirect = form.RedirectUrl });
        return form.RedirectUrl is { } url ? SeeOther(http, url) : Page(http, form, new LandingPage.State(Done: true));
    }

    private static IResult SeeOther(HttpContext http, string url)
    {
        http.Response.Headers.Location = url;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <param name="anonymousId">The visitor's id, so an experiment's variant (its button label) is the one the view beacon records.</param>
    private static async Task<IResult> DefinitionAsync(HttpContext http, LifecycleDb db, TimeProvider clock, string slug, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "anonymous_id")] string? anonymousId)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var form = await FindAsync(db, slug);
        if (form is null) return Validation.NotFound("form", slug);
        form = await OfferTests.DecideWhenDueAsync(db, form, clock.GetUtcNow().UtcDateTime, http.RequestAborted);
        var variant = anonymousId is { Length: > 0 and <= SubmissionCheck.MaxValueLength } ? OfferTests.VariantFor(form, anonymousId) : null;
        form = form.Presenting(variant);
        return TypedResults.Ok(new
        {
            form.Slug,
            variant = variant?.Name,
            fields = form.Fields.Select(f => new { f.Name, f.Label, f.Type, f.Required, f.Options }),
            consent = form.Consent is null ? null : new { form.Consent.Wording, form.Consent.Required },
            form.SubmitLabel,
            honeypot = FormFields.Honeypot,
        });
    }

    private static async Task<IResult> ViewAsync(HttpContext http, LifecycleDb db, TrackingIngest ingest, TimeProvider clock, string slug)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var form = await FindAsync(db, slug);
        if (form is null) return Validation.NotFound("form", slug);
        if (!http.Request.HasFormContentType) return TypedResults.Problem("send the view as a form", statusCode: 415, title: "Unsupported media type");
        var posted = await http.Request.ReadFormAsync(http.RequestAborted);
        var check = new Validation();
        string? Field(string name) => posted[name].ToString() is { Length: > 0 and <= SubmissionCheck.MaxValueLength } v && !v.Any(char.IsControl) ? v : null;
        var anonymousId = check.Required(FormFields.AnonymousId, Field(FormFields.AnonymousId));
        var page = Field(FormFields.Page);
        if (page is null || !FormDefinitions.IsWebUrl(page, allowHttp: true)) check.Add(FormFields.Page, "the embedding page's absolute URL is required");
        if (!check.Ok) return check.Problem();
        var utm = FormFields.Utm.Select(n => (n, v: Field(n))).Where(p => p.v is not null).ToDictionary(p => p.n, p => p.v!);
        await Submissions.RecordViewAsync(ingest, form, OfferTests.VariantFor(form, anonymousId!), anonymousId!, SubmissionCheck.WithoutQuery(page!), utm, Field("referrer"),
            clock.GetUtcNow().UtcDateTime, http.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ConfirmPageAsync(HttpContext http, LifecycleDb db, ConfirmationLinks links, string id, string? sig)
    {
        var pending = await db.Set<ConsentConfirmation>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == id);
        if (pending is null || !links.Verify(id, sig)) return NotFoundPage(http);
        // Confirming takes a click on a button: mail scanners that fetch links must not confirm on a person's behalf.
        return Confirmation(http, new ConfirmPage.State(id, sig!, pending.Wording, pending.ConfirmedAt is not null));
    }

    private static async Task<IResult> ConfirmAsync(HttpContext http, LifecycleDb db, ConfirmationLinks links, TimeProvider clock, string id)
    {
        var sig = (await http.Request.ReadFormAsync(http.RequestAborted))["sig"].ToString();
        var pending = await db.Set<ConsentConfirmation>().FirstOrDefaultAsync(c => c.Id == id);
        if (pending is null || !links.Verify(id, sig)) return NotFoundPage(http);
        if (pending.ConfirmedAt is null && await db.Contacts.FirstOrDefaultAsync(c => c.Id == pending.ContactId) is { } contact)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            pending.ConfirmedAt = now;
            Consents.Record(db, contact, pending.Purpose, true, pending.Wording, now, "confirmation", pending.FormId);
            await Submissions.SelectForMarketingAsync(db, contact, now, "marketing consent confirmed (double opt-in)", null, http.RequestAborted);
            await db.SaveChangesAsync();
        }
        return Confirmation(http, new ConfirmPage.State(id, sig, pending.Wording, Confirmed: true));
    }

    private static string HostedUrl(HttpContext http, Form form) => $"{http.Request.Scheme}://{http.Request.Host}/f/{form.Slug}";

    private static string? Referrer(HttpContext http) =>
        http.Request.Headers.Referer.ToString() is { Length: > 0 } r && FormDefinitions.IsWebUrl(r, allowHttp: true) ? SubmissionCheck.WithoutQuery(r) : null;

    private static string? VisitorIdOrNull(HttpContext http) =>
        http.Request.Cookies[VisitorCookie] is { Length: > 0 and <= 200 } id ? id : null;

    /// <summary>The hosted page's first-party visitor id (the same cookie name the tracking script uses on other sites).</summary>
    private static string VisitorId(HttpContext http)
    {
        if (VisitorIdOrNull(http) is { } id) return id;
        id = Guid.NewGuid().ToString();
        http.Response.Cookies.Append(VisitorCookie, id, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromDays(730), Path = "/f",
        });
        return id;
    }

    private static IResult Page(HttpContext http, Form form, LandingPage.State state, int status = 200)
    {
        SecurityHeaders(http, form.RedirectUrl);
        return new RazorComponentResult<LandingPage>(new { Form = form, Current = state }) { StatusCode = status };
    }

    private static IResult Confirmation(HttpContext http, ConfirmPage.State state)
    {
        SecurityHeaders(http, null);
        return new RazorComponentResult<ConfirmPage>(new { Current = state });
    }

    private static IResult NotFoundPage(HttpContext http)
    {
        SecurityHeaders(http, null);
        return Results.Content("<!doctype html><title>Not found</title><p>This page does not exist.</p>", "text/html; charset=utf-8", statusCode: 404);
    }

    /// <summary>No script runs on these pages; forms post only here (and on to the form's own redirect target).</summary>
    private static void SecurityHeaders(HttpContext http, string? redirectUrl)
    {
        var formAction = "'self'" + (redirectUrl is not null ? " " + new Uri(redirectUrl).GetLeftPart(UriPartial.Authority) : "");
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'self'; img-src 'self' https:; form-action {formAction}; " +
                                        "frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.CacheControl = "no-store";
    }

    private static readonly Lazy<byte[]> EmbedScript = new(() => Resource("Lifecycle.Capture.Script.forms.js"));
    private static readonly Lazy<byte[]> Stylesheet = new(() => Resource("Lifecycle.Capture.capture.css"));

    private static byte[] Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
