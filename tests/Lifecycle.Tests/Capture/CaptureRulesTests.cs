using System.Text.Json;
using Lifecycle.Capture;
using Lifecycle.Server;

namespace Lifecycle.Tests.Capture;

/// <summary>The pure parts of Capture: form definitions, submission checks, conversion math, consent and erasure.</summary>
public class CaptureRulesTests
{
    private static readonly Form Webinar = new()
    {
        Id = "frm1", Slug = "webinar", Name = "Webinar",
        Fields =
        [
            new FormField("email", "E-mail", "email", "email", true),
            new FormField("first_name", "First name", "text", "first_name", true),
            new FormField("size", "Company size", "select", "custom.size", false, ["1-10", "11-200"]),
        ],
        Consent = new FormConsent("marketing_email", "Send me news", Required: true),
    };

    private static Dictionary<string, string?> Posted(params (string Name, string? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public void A_bad_definition_names_each_field_and_its_reason()
    {
        var check = new Validation();
        var form = new Form { Id = "f", Slug = "", Name = "" };
        FormDefinitions.Apply(check, form, new FormInput(null, "Bad Slug!", null, null,
            [
                new FormFieldInput("email", "E-mail", "text", "email", true, null),
                new FormFieldInput("utm_source", "Source", "text", "custom.source", false, null),
                new FormFieldInput("plan", "Plan", "select", "salary", false, null),
            ],
            new FormConsentInput("Marketing Email", null, true), null, null, "javascript:alert(1)", "owner@", null,
            new FormPageInput("Hi", null, "http://insecure.example/img.png")));
        var errors = check.Errors;
        Assert.Contains("must be 1-80 lowercase letters", errors["slug"][0]);
        Assert.Equal("required", errors["name"][0]);
        Assert.Equal("the field mapped to email must have type email", errors["fields[0].type"][0]);
        Assert.Equal("'utm_source' is reserved for a built-in hidden field", errors["fields[1].name"][0]);
        Assert.Equal("a select needs at least one option", errors["fields[2].options"][0]);
        Assert.StartsWith("'salary' is not one of email, first_name", errors["fields[2].maps_to"][0]);
        Assert.Contains("snake_case", errors["consent.purpose"][0]);
        Assert.Equal("required", errors["consent.wording"][0]);
        Assert.Equal("'javascript:alert(1)' is not an absolute http(s) URL", errors["redirect_url"][0]);
        Assert.Equal("'owner@' is not a valid email address", errors["notify_email"][0]);
        Assert.Equal("'http://insecure.example/img.png' is not an absolute https URL", errors["page.image_url"][0]);
    }

    [Fact]
    public void A_form_needs_a_field_mapped_to_email_and_double_opt_in_needs_a_consent_box()
    {
        var check = new Validation();
        FormDefinitions.Apply(check, new Form { Id = "f", Slug = "", Name = "" }, new FormInput(null, "ok", "Ok", null,
            [new FormFieldInput("name", "Name", null, "first_name", true, null)], null, true, null, null, null, null, null));
        Assert.Equal("one field must map to email", check.Errors["fields"][0]);
        Assert.Equal("needs a consent checkbox to confirm", check.Errors["double_opt_in"][0]);
    }

    [Fact]
    public void A_good_submission_maps_values_to_their_targets_and_keeps_utm_page_and_anonymous_id()
    {
        var check = new Validation();
        var submission = SubmissionCheck.Read(Webinar, Posted(("email", " Ana@Example.COM "), ("first_name", "Ana"), ("size", "11-200"),
            ("consent", "on"), ("utm_source", "linkedin"), ("anonymous_id", "aid-1"), ("page", "https://site.example/webinar?email=x@y.z")), check);
        Assert.True(check.Ok);
        Assert.NotNull(submission);
        Assert.Equal("ana@example.com", submission.Email);
        Assert.Equal(new Dictionary<string, string> { ["first_name"] = "Ana", ["custom.size"] = "11-200" }, submission.Values);
        Assert.True(submission.ConsentGiven);
        Assert.Equal("linkedin", submission.Utm["utm_source"]);
        Assert.Equal(("aid-1", "https://site.example/webinar"), (submission.AnonymousId, submission.Page));
    }

    [Fact]
    public void An_invalid_email_a_missing_required_field_an_unknown_choice_and_a_missing_consent_are_refused()
    {
        var check = new Validation();
        var submission = SubmissionCheck.Read(Webinar, Posted(("email", "ana@"), ("size", "5000+")), check);
        Assert.Null(submission);
        Assert.Equal("'ana@' is not a valid email address", check.Errors["email"][0]);
        Assert.Equal("First name is required", check.Errors["first_name"][0]);
        Assert.Equal("'5000+' is not one of the choices", check.Errors["size"][0]);
        Assert.Equal("your consent is required to send this form", check.Errors["consent"][0]);
    }

    [Fact]
    public void A_filled_honeypot_marks_a_bot()
    {
        Assert.True(SubmissionCheck.IsBot(Posted(("website", "http://spam.example"))));
        Assert.False(SubmissionCheck.IsBot(Posted(("website", ""), ("email", "a@b.co"))));
    }

    [Fact]
    public void Form_conversion_is_submissions_over_views_per_page_and_over_all_pages()
    {
        // Hosted page: 4 views, 1 submission -> 1/4 = 0.25. Blog: 2 views, 1 submission -> 1/2 = 0.5.
        // A page with a submission but no recorded view (the beacon was blocked) has no rate.
        // All pages: 2+1 submissions... = (1 + 1 + 1) / (4 + 2 + 0) = 3/6 = 0.5.
        var events = new List<(string, string)>();
        for (var i = 0; i < 4; i++) events.Add(("Form Viewed", "https://lc/f/webinar"));
        events.Add(("Form Submitted", "https://lc/f/webinar"));
        events.AddRange([("Form Viewed", "https://blog/post"), ("Form Viewed", "https://blog/post"), ("Form Submitted", "https://blog/post")]);
        events.Add(("Form Submitted", "https://other/page"));
        var report = FormConversion.Compute("frm1", new DateTime(2026, 1, 1), new DateTime(2026, 2, 1), events);
        Assert.Equal((6L, 3L, 0.5), (report.Views, report.Submissions, report.ConversionRate));
        Assert.Equal(
            [new PageConversion("https://blog/post", 2, 1, 0.5), new PageConversion("https://lc/f/webinar", 4, 1, 0.25), new PageConversion("https://other/page", 0, 1, null)],
            report.Pages);
        Assert.Null(FormConversion.Compute("frm1", default, default, []).ConversionRate);
    }

    [Fact]
    public void The_latest_fact_per_purpose_is_the_current_consent()
    {
        var at = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        Consent Fact(long id, string purpose, bool granted, int day) =>
            new() { Id = id, ContactId = "c1", Purpose = purpose, Granted = granted, At = at.AddDays(day), Source = "api" };
        var current = Consents.Current([Fact(3, "marketing_email", false, 5), Fact(1, "marketing_email", true, 1), Fact(2, "phone", true, 2), Fact(4, "marketing_email", true, 5)]);
        // marketing_email: day 5 has two facts; the later inserted (id 4, granted) wins.
        Assert.Equal((true, 4L), (current["marketing_email"].Granted, current["marketing_email"].Id));
        Assert.True(current["phone"].Granted);
    }

    [Fact]
    public void Confirmation_links_verify_only_their_own_signature()
    {
        var links = new ConfirmationLinks("k"u8.ToArray());
        var signature = links.Signature("cnf_1");
        Assert.True(links.Verify("cnf_1", signature));
        Assert.False(links.Verify("cnf_2", signature));
        Assert.False(new ConfirmationLinks("other"u8.ToArray()).Verify("cnf_1", signature));
        Assert.False(links.Verify("cnf_1", null));
        Assert.Equal($"https://lc.example/f/confirm/cnf_1?sig={signature}", links.Url("https://lc.example/", "cnf_1"));
    }

    [Fact]
    public void Erasure_strips_ids_traits_client_details_queries_and_personal_properties_but_keeps_what_happened()
    {
        var stripped = JsonDocument.Parse(Privacy.StripPersonal("""
            {"type":"track","event":"Form Submitted","messageId":"m1","timestamp":"2026-03-01T00:00:00.000Z","userId":"ana@example.com",
             "anonymousId":"aid","traits":{"email":"ana@example.com"},
             "properties":{"form_id":"frm1","campaign_id":"cmp1","email":"ana@example.com","first_name":"Ana","url":"https://s.example/p?email=ana@example.com"},
             "context":{"ip":"203.0.113.9","userAgent":"UA","campaign":{"source":"linkedin"},"page":{"url":"https://s.example/p?e=ana","title":"Ana's page","referrer":"https://r.example/x?q=1"}}}
            """)).RootElement;
        Assert.Equal("""{"type":"track","event":"Form Submitted","messageId":"m1","timestamp":"2026-03-01T00:00:00.000Z","properties":{"form_id":"frm1","campaign_id":"cmp1","url":"https://s.example/p"},"context":{"campaign":{"source":"linkedin"},"page":{"url":"https://s.example/p","referrer":"https://r.example/x"}}}""",
            stripped.GetRawText());
    }
}
