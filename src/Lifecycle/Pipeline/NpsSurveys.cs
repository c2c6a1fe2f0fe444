using System.Security.Cryptography;
using System.Text;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Lifecycle.Pipeline;

public sealed record SurveyInput(string? Segment, string? Definition, string? TemplateId);
public sealed record SurveyRefusal(string ContactId, string Reason);
public sealed record SurveySent(string SurveyId, int Members, int Queued, IReadOnlyList<SurveyRefusal> Refused);

/// <summary>
/// A survey token names one survey and one contact, signed with Lifecycle:SigningKey: <c>{survey}.{contact in
/// base64url}.{signature}</c>. The score is not signed, so one token serves the eleven one-click answers.
/// </summary>
public sealed class SurveyTokens(string signingKey)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(signingKey);

    public string Token(string surveyId, string contactId) =>
        $"{surveyId}.{Base64Url(Encoding.UTF8.GetBytes(contactId))}.{Sign(surveyId, contactId)}";

    /// <returns>The survey and contact, or null for a malformed or forged token.</returns>
    public (string SurveyId, string ContactId)? Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        string contactId;
        try { contactId = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/').PadRight((parts[1].Length + 3) / 4 * 4, '='))); }
        catch (FormatException) { return null; }
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(parts[0], contactId)), Encoding.ASCII.GetBytes(parts[2]))
            ? (parts[0], contactId) : null;
    }

    private string Sign(string surveyId, string contactId) =>
        Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("nps-survey:" + surveyId + "\n" + contactId)).AsSpan(0, 16));

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// NPS surveys: <c>POST /api/nps/surveys</c> e-mails every member of a segment eleven signed one-click answers;
/// <c>GET /nps/{token}/{score}</c> records the answer at once and shows a page where a comment can be added
/// (<c>POST</c>, no script needed). One response per contact and survey: answering again updates it. Every
/// answer and comment fires the <c>nps.responded</c> webhook event.
/// </summary>
public static class NpsSurveys
{
    public const int MaxCommentLength = 5000;

    public static void MapSurveyEndpoints(this RouteGroupBuilder nps) =>
        nps.MapPost("/surveys", SendAsync).WithSummary(
            "E-mail an NPS survey to every member of a segment ({segment: id or name} or {definition}; template_id optional, it gets survey_url)");

    /// <summary>Public: the links in the survey e-mails; the signed token stands in for a key.</summary>
    public static void MapSurveyPages(IEndpointRouteBuilder app)
    {
        app.MapGet("/nps/{token}/{score:int}", AnswerAsync).ExcludeFromDescription();
        // The signed token is the credential: a forged request cannot name a survey without it (as the double opt-in page).
        app.MapPost("/nps/{token}/{score:int}", CommentAsync).DisableAntiforgery().ExcludeFromDescription();
    }

    private static async Task<IResult> SendAsync(LifecycleDb db, EmailOutbox outbox, IOptions<EmailOptions> options, TimeProvider clock,
        SurveyInput input, CancellationToken cancel)
    {
        if (outbox.PublicBaseUrl is not { } baseUrl)
            return TypedResults.Problem($"e-mail is not configured: set {string.Join(", ", options.Value.MissingForComposing())}",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "E-mail is not configured");
        var check = new Validation();
        SegmentFilter? filter = null;
        if ((input.Segment is null) == (input.Definition is null)) check.Add("segment", "give either segment (a saved segment's id or name) or definition");
        else if (input.Segment is { } reference)
        {
            if (await SegmentQueries.FindAsync(db, reference, cancel) is { } segment) filter = SegmentParser.Parse(segment.Definition);
            else check.Add("segment", $"no segment '{reference}'");
        }
        else
        {
            try { filter = SegmentParser.Parse(input.Definition!); }
            catch (SegmentSyntaxException e) { check.Add("definition", e.Message); }
        }
        var template = PipelineEmails.SurveyTemplate;
        if (input.TemplateId is { } templateId)
        {
            if (await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, cancel) is { } own) template = own;
            else check.Add("template_id", $"no e-mail template '{templateId}'");
        }
        if (!check.Ok) return check.Problem();

        var surveyId = "nps_" + Guid.CreateVersion7().ToString("N");
        var tokens = new SurveyTokens(options.Value.SigningKey!);
        var members = await SegmentQueries.MembersAsync(db, filter!, clock, null, 0, cancel);
        var refused = new List<SurveyRefusal>();
        var queued = 0;
        foreach (var chunk in members.Chunk(500))
        {
            var ids = chunk.Select(m => m.Id).ToList();
            var contacts = await db.Contacts.AsNoTracking().Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id).ToListAsync(cancel);
            var accountIds = contacts.Where(c => c.AccountId != null).Select(c => c.AccountId!).Distinct().ToList();
            var accounts = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancel);
            foreach (var contact in contacts)
            {
                var to = new Recipient(contact, contact.AccountId is { } a ? accounts.GetValueOrDefault(a) : null)
                {
                    Values = new Dictionary<string, object?> { ["survey_url"] = $"{baseUrl}/nps/{tokens.Token(surveyId, contact.Id)}" },
                };
                if (await outbox.StageAsync(db, template, to, cancel) is EmailOutbox.Refused no) refused.Add(new SurveyRefusal(contact.Id, no.Reason));
                else queued++;
            }
            await db.SaveChangesAsync(cancel);
            outbox.Wake();
        }
        return TypedResults.Accepted((string?)null, new SurveySent(surveyId, members.Count, queued, refused));
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, string token, int score)
    {
        if (Read(options, token) is not (var surveyId, var contactId) || score is < 0 or > 10 || !await db.Contacts.AnyAsync(c => c.Id == contactId))
            return NotFound(http);
        var response = await RecordAsync(db, surveyId, contactId, clock.GetUtcNow().UtcDateTime, r => r.Score = score, score);
        return Page(http, new NpsPage.State(token, response.Score, response.Comment, CommentSaved: false));
    }

    private static async Task<IResult> CommentAsync(HttpContext http, LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, string token, int score)
    {
        if (Read(options, token) is not (var surveyId, var contactId) || score is < 0 or > 10 || !await db.Contacts.AnyAsync(c => c.Id == contactId))
            return NotFound(http);
        var comment = http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted))["comment"].ToString().Trim() : "";
        if (comment.Length > MaxCommentLength)
            return Page(http, new NpsPage.State(token, score, comment, false, $"The comment is longer than {MaxCommentLength} characters."), 400);
        // The page's score is the answer the comment belongs to: the response keeps it even if it was answered otherwise since.
        var response = await RecordAsync(db, surveyId, contactId, clock.GetUtcNow().UtcDateTime, r =>
        {
            r.Score = score;
            r.Comment = comment.Length > 0 ? comment : null;
        }, score);
        return Page(http, new NpsPage.State(token, response.Score, response.Comment, CommentSaved: true));
    }

    /// <summary>Creates or updates the contact's response to the survey, with its webhook event, in one save.</summary>
    private static async Task<NpsResponse> RecordAsync(LifecycleDb db, string surveyId, string contactId, DateTime now, Action<NpsResponse> change, int score)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await db.NpsResponses.FirstOrDefaultAsync(n => n.ContactId == contactId && n.SurveyId == surveyId);
            if (response is null) db.NpsResponses.Add(response = new NpsResponse { ContactId = contactId, SurveyId = surveyId, Score = score, RespondedAt = now });
            else response.RespondedAt = now;
            change(response);
            await WebhookOutbox.EnqueueAsync(db, "nps.responded", new
            {
                contact_id = contactId, score = response.Score, comment = response.Comment, responded_at = response.RespondedAt, survey_id = surveyId,
            }, now);
            try
            {
                await db.SaveChangesAsync();
                return response;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // A second click raced this one to the first answer: update the row it wrote.
                db.ChangeTracker.Clear();
            }
        }
    }

    private static (string, string)? Read(IOptions<EmailOptions> options, string token) =>
        options.Value.SigningKey is { Length: > 0 } key ? new SurveyTokens(key).Read(token) : null;

    private static IResult Page(HttpContext http, NpsPage.State state, int status = 200)
    {
        Headers(http);
        return new RazorComponentResult<NpsPage>(new { Current = state }) { StatusCode = status };
    }

    private static IResult NotFound(HttpContext http)
    {
        Headers(http);
        return Results.Content("<!doctype html><title>Not found</title><p>This survey link is not valid.</p>", "text/html; charset=utf-8", statusCode: 404);
    }

    /// <summary>No script; the comment form posts only here.</summary>
    private static void Headers(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }
}
