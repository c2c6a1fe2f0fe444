using System.Globalization;
using Lifecycle.Contacts;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Capture;

public sealed record FormPageView(string? Headline, string? Text, string? ImageUrl);

/// <summary>A form as the API answers it, with where it is published.</summary>
public sealed record FormView(
    string Id, string Slug, string Name, string? CampaignId, IReadOnlyList<FormField> Fields, FormConsent? Consent, bool DoubleOptIn,
    string ThankYouMessage, string? RedirectUrl, string? NotifyEmail, string SubmitLabel, FormPageView Page,
    DateTime CreatedAt, DateTime UpdatedAt, string HostedUrl, string EmbedSnippet, string? ConfirmationTemplateId,
    Experiments.OfferExperiment? Experiment, Experiments.OfferDecision? ExperimentDecision)
{
    public static FormView Of(Form f, string origin) => new(
        f.Id, f.Slug, f.Name, f.CampaignId, f.Fields, f.Consent, f.DoubleOptIn, f.ThankYouMessage, f.RedirectUrl, f.NotifyEmail,
        f.SubmitLabel, new FormPageView(f.Headline, f.Text, f.ImageUrl), f.CreatedAt, f.UpdatedAt,
        $"{origin}/f/{f.Slug}", $"<script async src=\"{origin}/forms.js\" data-form=\"{f.Slug}\"></script>", f.ConfirmationTemplateId,
        f.Experiment, f.ExperimentDecision);
}

public sealed record ConsentInput(string? Purpose, string? Wording);

/// <summary>Capture's REST API: forms and their conversion, a contact's consents, and privacy requests.</summary>
public static class CaptureEndpoints
{
    public static void MapCaptureEndpoints(this RouteGroupBuilder api)
    {
        var forms = api.MapGroup("/forms").WithTags("Capture");
        forms.MapGet("/", List).WithSummary("List forms");
        forms.MapGet("/{id}", Get).WithSummary("One form, with its hosted page URL and embed snippet");
        forms.MapPost("/", Create).WithSummary("Create a form (fields mapped to contact and account fields, consent, thank-you or redirect, landing page)");
        forms.MapPut("/{id}", Update).WithSummary("Replace a form's definition");
        forms.MapGet("/{id}/stats", Stats).WithSummary("capture.form_conversion_rate: views, submissions and their ratio per page, in [from, to)");

        var contacts = api.MapGroup("/contacts").WithTags("Capture");
        contacts.MapGet("/{id}/consents", ConsentHistory).WithSummary("A contact's consent history, current consent per purpose and pending confirmations");
        contacts.MapPost("/{id}/consents", Grant).WithSummary("Record consent given outside a form (source api)");
        contacts.MapPost("/{id}/consents/withdraw", Withdraw).WithSummary("Record a withdrawal of consent for a purpose");
        contacts.MapGet("/{id}/privacy-export", Export).WithSummary("Everything held about a contact (logged as a privacy request)");
        contacts.MapPost("/{id}/erase", Erase).WithSummary("Erase a contact's personal data for good; anonymous facts stay (logged as a privacy request)");
    }

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static async Task<Ok<Page<FormView>>> List(LifecycleDb db, HttpRequest request, [AsParameters] Paging paging)
    {
        var total = await db.Set<Form>().CountAsync();
        var items = await db.Set<Form>().AsNoTracking().OrderBy(f => f.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync();
        return TypedResults.Ok(new Page<FormView>(items.Select(f => FormView.Of(f, Origin(request))).ToList(), paging.Take, paging.Skip, total));
    }

    private static async Task<IResult> Get(LifecycleDb db, HttpRequest request, string id) =>
        await db.Set<Form>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == id) is { } form
            ? TypedResults.Ok(FormView.Of(form, Origin(request)))
            : Validation.NotFound("form", id);

    private static async Task<IResult> Create(LifecycleDb db, TimeProvider clock, HttpRequest request, FormInput input)
    {
        var form = new Form { Id = input.Id?.Trim() is { Length: > 0 } id ? id : "frm_" + Guid.NewGuid().ToString("N")[..16], Slug = "", Name = "" };
        var check = new Validation();
        FormDefinitions.Apply(check, form, input);
        await CheckCampaignAsync(db, check, form);
        if (!check.Ok) return check.Problem();
        if (await db.Set<Form>().AnyAsync(f => f.Id == form.Id)) return Validation.Conflict($"a form '{form.Id}' already exists");
        if (await db.Set<Form>().AnyAsync(f => f.Slug == form.Slug)) return Validation.Conflict($"the slug '{form.Slug}' belongs to another form");
        form.CreatedAt = form.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        db.Add(form);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/forms/{form.Id}", FormView.Of(form, Origin(request)));
    }

    private static async Task<IResult> Update(LifecycleDb db, TimeProvider clock, HttpRequest request, string id, FormInput input)
    {
        var form = await db.Set<Form>().FirstOrDefaultAsync(f => f.Id == id);
        if (form is null) return Validation.NotFound("form", id);
        var check = new Validation();
        FormDefinitions.Apply(check, form, input);
        await CheckCampaignAsync(db, check, form);
        if (!check.Ok) return check.Problem();
        if (await db.Set<Form>().AnyAsync(f => f.Slug == form.Slug && f.Id != id)) return Validation.Conflict($"the slug '{form.Slug}' belongs to another form");
        form.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        return TypedResults.Ok(FormView.Of(form, Origin(request)));
    }

    private static async Task CheckCampaignAsync(LifecycleDb db, Validation check, Form form)
    {
        if (form.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == form.CampaignId)) check.Add("campaign_id", $"no campaign '{form.CampaignId}'");
        if (form.ConfirmationTemplateId is { } template && !await db.Set<Email.EmailTemplate>().AnyAsync(t => t.Id == template))
            check.Add("confirmation_template_id", $"no e-mail template '{template}'");
    }

    private static async Task<IResult> Stats(LifecycleDb db, string id, string? from, string? to, CancellationToken cancel)
    {
        if (!await db.Set<Form>().AnyAsync(f => f.Id == id, cancel)) return Validation.NotFound("form", id);
        var check = new Validation();
        var start = Instant(check, "from", from);
        var end = Instant(check, "to", to);
        if (start >= end) check.Add("to", "must be after from");
        if (!check.Ok) return check.Problem();
        var events = (await FormConversion.LoadAsync(db, id, start!.Value, end!.Value, cancel)).Select(e => (e.Name, e.Page));
        return TypedResults.Ok(FormConversion.Compute(id, start.Value, end.Value, events));
    }

    /// <summary>An ISO 8601 instant, or a date (its midnight UTC).</summary>
    private static DateTime? Instant(Validation check, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) { check.Add(field, "required (an ISO 8601 date or instant)"); return null; }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) return instant.UtcDateTime;
        check.Add(field, $"'{value}' is not an ISO 8601 date or instant");
        return null;
    }

    private static async Task<IResult> ConsentHistory(LifecycleDb db, string id)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == id)) return Validation.NotFound("contact", id);
        var history = await db.Set<Consent>().AsNoTracking().Where(c => c.ContactId == id).OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync();
        var pending = await db.Set<ConsentConfirmation>().AsNoTracking().Where(c => c.ContactId == id && c.ConfirmedAt == null)
            .OrderBy(c => c.RequestedAt).ToListAsync();
        return TypedResults.Ok(new
        {
            current = Consents.Current(history),
            history,
            pending_confirmations = pending.Select(c => new ExportedConfirmation(c.Id, c.Purpose, c.Wording, c.FormId, c.RequestedAt, c.ConfirmedAt)),
        });
    }

    private static Task<IResult> Grant(LifecycleDb db, TimeProvider clock, string id, ConsentInput input) =>
        RecordAsync(db, clock, id, input, granted: true);

    private static Task<IResult> Withdraw(LifecycleDb db, TimeProvider clock, string id, ConsentInput input) =>
        RecordAsync(db, clock, id, input, granted: false);

    private static async Task<IResult> RecordAsync(LifecycleDb db, TimeProvider clock, string id, ConsentInput input, bool granted)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id);
        if (contact is null) return Validation.NotFound("contact", id);
        var check = new Validation();
        var purpose = check.Required("purpose", input.Purpose);
        if (purpose is not null && !FormFields.Purpose().IsMatch(purpose)) check.Add("purpose", $"'{purpose}' must be a snake_case name such as marketing_email");
        var wording = input.Wording?.Trim();
        if (granted && string.IsNullOrEmpty(wording)) check.Add("wording", "required: the words the person agreed to");
        if (!check.Ok) return check.Problem();
        var now = clock.GetUtcNow().UtcDateTime;
        var consent = Consents.Record(db, contact, purpose!, granted, wording, now, "api");
        if (granted) await Submissions.SelectForMarketingAsync(db, contact, now, "marketing consent recorded through the API", null, default);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/contacts/{id}/consents", consent);
    }

    private static async Task<IResult> Export(LifecycleDb db, TimeProvider clock, string id, CancellationToken cancel) =>
        await Privacy.ExportAsync(db, id, "api", clock.GetUtcNow().UtcDateTime, cancel) is { } export
            ? TypedResults.Ok(export)
            : Validation.NotFound("contact", id);

    private static async Task<IResult> Erase(LifecycleDb db, TimeProvider clock, string id, CancellationToken cancel) =>
        await Privacy.EraseAsync(db, id, "api", clock.GetUtcNow().UtcDateTime, cancel)
            ? TypedResults.Ok(new { contact_id = id, erased = true })
            : Validation.NotFound("contact", id);
}
