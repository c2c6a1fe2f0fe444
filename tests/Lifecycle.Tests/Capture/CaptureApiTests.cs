using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Capture;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Capture;

/// <summary>Forms, submissions, consent and privacy requests through the real server, on both engines.</summary>
public class CaptureApiTests
{
    internal static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static object WebinarForm(bool consentRequired = false, bool doubleOptIn = false, string? redirect = null) => new
    {
        id = "frm-webinar", slug = "webinar", name = "Webinar sign-up", campaign_id = "cmp-webinar",
        fields = new object[]
        {
            new { name = "email", label = "E-mail", type = "email", maps_to = "email" },
            new { name = "first_name", label = "First name", maps_to = "first_name", required = true },
            new { name = "last_name", label = "Last name", maps_to = "last_name" },
            new { name = "company", label = "Company", maps_to = "account.name" },
            new { name = "role", label = "Role", type = "select", maps_to = "custom.role", options = new[] { "Marketing", "Sales" } },
        },
        consent = new { purpose = "marketing_email", wording = "Yes, e-mail me about webinars and product news.", required = consentRequired },
        double_opt_in = doubleOptIn,
        thank_you_message = "Thanks, see you at the webinar!",
        redirect_url = redirect,
        notify_email = "owner@lifecycle.example",
        page = new { headline = "Lifecycle metrics webinar", text = "Join us.", image_url = "https://img.example/webinar.png" },
    };

    internal static Task<RunningServer> StartWithFormAsync(string engine, object form, params string[] settings) =>
        StartWithFormAsync(engine, form, null, settings);

    internal static async Task<RunningServer> StartWithFormAsync(string engine, object form, Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        var server = await RunningServer.StartAsync(engine, configure, settings);
        await Expect(await server.Client.PostAsJsonAsync("/api/campaigns", new { id = "cmp-webinar", name = "Webinar Q1", channel = "webinar" }), HttpStatusCode.Created);
        await Expect(await server.Client.PostAsJsonAsync("/api/forms", form), HttpStatusCode.Created);
        return server;
    }

    private static Task<HttpResponseMessage> SubmitAsync(RunningServer server, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/f/webinar")
        {
            Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return server.AnonymousClient().SendAsync(request);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Forms_are_created_read_listed_and_updated_and_a_bad_definition_names_its_field(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        var api = server.Client;
        var form = await Expect(await api.GetAsync("/api/forms/frm-webinar"), HttpStatusCode.OK);
        Assert.Equal("account.name", form.GetProperty("fields")[3].GetProperty("maps_to").GetString());
        Assert.True(form.GetProperty("fields")[0].GetProperty("required").GetBoolean()); // the e-mail is always required
        Assert.Equal($"{server.Address.GetLeftPart(UriPartial.Authority)}/f/webinar", form.GetProperty("hosted_url").GetString());
        Assert.Contains("/forms.js\" data-form=\"webinar\"", form.GetProperty("embed_snippet").GetString());
        Assert.Equal("Lifecycle metrics webinar", form.GetProperty("page").GetProperty("headline").GetString());

        var list = await Expect(await api.GetAsync("/api/forms"), HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("total").GetInt32());

        var bad = await Expect(await api.PutAsJsonAsync("/api/forms/frm-webinar", new
        {
            slug = "webinar", name = "Webinar", redirect_url = "javascript:alert(1)",
            fields = new[] { new { name = "email", label = "E-mail", type = "email", maps_to = "phone" } },
        }), HttpStatusCode.BadRequest);
        Assert.Equal("'javascript:alert(1)' is not an absolute http(s) URL", bad.GetProperty("errors").GetProperty("redirect_url")[0].GetString());
        Assert.StartsWith("'phone' is not one of", bad.GetProperty("errors").GetProperty("fields[0].maps_to")[0].GetString());
        var updated = await Expect(await api.PutAsJsonAsync("/api/forms/frm-webinar", new
        {
            slug = "webinar-2", name = "Webinar", fields = new[] { new { name = "email", label = "E-mail", type = "email", maps_to = "email" } },
        }), HttpStatusCode.OK);
        Assert.Equal(("webinar-2", JsonValueKind.Null), (updated.GetProperty("slug").GetString(), updated.GetProperty("consent").ValueKind));
        await Expect(await api.PostAsJsonAsync("/api/forms", new
        {
            slug = "webinar-2", name = "Copy", fields = new[] { new { name = "email", label = "E-mail", type = "email", maps_to = "email" } },
        }), HttpStatusCode.Conflict);
        await Expect(await server.AnonymousClient().GetAsync("/api/forms"), HttpStatusCode.Unauthorized);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_submission_with_consent_creates_an_inquiry_that_becomes_a_lead_with_its_consent_event_account_and_notification(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        var answer = await Expect(await SubmitAsync(server, ("email", "Ana.Lima@Example.com"), ("first_name", "Ana"), ("last_name", "Lima"),
            ("company", "Exemplo Ltda"), ("role", "Marketing"), ("consent", "on"), ("utm_source", "linkedin"), ("utm_medium", "paid_social"),
            ("anonymous_id", "aid-ana"), ("page", "https://www.exemplo.com.br/webinar?x=1")), HttpStatusCode.OK);
        Assert.Equal("Thanks, see you at the webinar!", answer.GetProperty("message").GetString());

        await using var db = server.Database.Database.Open();
        var contact = await db.Contacts.SingleAsync();
        Assert.Equal(("ana.lima@example.com", "Ana", "Lima", ContactStatus.Lead, true), (contact.Email, contact.FirstName, contact.LastName, contact.Status, contact.Consent));
        Assert.Equal(("paid_social", "cmp-webinar", "Marketing"), (contact.LeadSource, contact.CampaignId, contact.Custom["role"]));
        Assert.Equal("Exemplo Ltda", (await db.Accounts.SingleAsync(a => a.Id == contact.AccountId)).Name);
        var transitions = await db.Transitions.Where(t => t.ContactId == contact.Id).OrderBy(t => t.At).ThenBy(t => t.Id).ToListAsync();
        Assert.Equal([(null, ContactStatus.Inquiry), (ContactStatus.Inquiry, ContactStatus.Lead)], transitions.Select(t => (t.FromStatus, t.ToStatus)));
        Assert.Equal(Submissions.LeadRule, transitions[1].Actor);

        var consent = await db.Set<Consent>().SingleAsync();
        Assert.Equal((contact.Id, "marketing_email", true, "Yes, e-mail me about webinars and product news.", "form", "frm-webinar"),
            (consent.ContactId, consent.Purpose, consent.Granted, consent.Wording, consent.Source, consent.SourceId));
        var submitted = await db.Events.SingleAsync(e => e.Name == "Form Submitted");
        Assert.Equal((contact.Id, "aid-ana"), (submitted.ContactId, submitted.AnonymousId));
        using var payload = JsonDocument.Parse(submitted.Payload);
        var properties = payload.RootElement.GetProperty("properties");
        Assert.Equal(("frm-webinar", "cmp-webinar", "https://www.exemplo.com.br/webinar"),
            (properties.GetProperty("form_id").GetString(), properties.GetProperty("campaign_id").GetString(), properties.GetProperty("page").GetString()));
        var notification = await db.Set<FormNotification>().SingleAsync();
        Assert.Equal(("owner@lifecycle.example", contact.Id, (DateTime?)null), (notification.Recipient, notification.ContactId, notification.SentAt));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Without_consent_the_new_contact_stays_an_inquiry_and_no_consent_is_recorded(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        await Expect(await SubmitAsync(server, ("email", "bo@example.se"), ("first_name", "Bo")), HttpStatusCode.OK);
        await using var db = server.Database.Database.Open();
        var contact = await db.Contacts.SingleAsync();
        Assert.Equal((ContactStatus.Inquiry, false), (contact.Status, contact.Consent));
        Assert.Equal(1, await db.Transitions.CountAsync());
        Assert.Equal(0, await db.Set<Consent>().CountAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_suppressed_address_that_consents_stays_an_inquiry(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        await using (var setup = server.Database.Database.Open())
        {
            setup.Set<Lifecycle.Email.Suppression>().Add(new() { Email = "hard@example.se", Reason = Lifecycle.Email.SuppressionReason.HardBounce, At = DateTime.UtcNow });
            await setup.SaveChangesAsync();
        }
        await Expect(await SubmitAsync(server, ("email", "hard@example.se"), ("first_name", "Hanna"), ("consent", "on")), HttpStatusCode.OK);
        await using var db = server.Database.Database.Open();
        var contact = await db.Contacts.SingleAsync();
        // The consent is recorded, but the address cannot be mailed, so it is not selected for marketing (lifecycle.md §1).
        Assert.Equal((ContactStatus.Inquiry, true), (contact.Status, contact.Consent));
        Assert.Equal(1, await db.Transitions.CountAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_submission_updates_an_existing_contact_instead_of_creating_one(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        await Expect(await server.Client.PostAsJsonAsync("/api/contacts", new { id = "crm-7", email = "kim@example.kr", first_name = "Kim", status = "mql" }), HttpStatusCode.Created);
        await Expect(await SubmitAsync(server, ("email", "KIM@example.kr"), ("first_name", "김"), ("last_name", "민준"), ("consent", "on")), HttpStatusCode.OK);
        await using var db = server.Database.Database.Open();
        var contact = await db.Contacts.SingleAsync();
        Assert.Equal(("crm-7", "김", "민준", ContactStatus.Mql, true), (contact.Id, contact.FirstName, contact.LastName, contact.Status, contact.Consent));
        Assert.Equal(1, await db.Transitions.CountAsync()); // an MQL is past inquiry: no new transition
        Assert.Equal("crm-7", (await db.Events.SingleAsync(e => e.Name == "Form Submitted")).ContactId);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_visitors_anonymous_page_views_join_the_contact(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        string key;
        await using (var setup = server.Database.Database.Open()) key = await ApiKeys.CreateAsync(setup, ApiKeyKind.Write, "site", TimeProvider.System);
        var tracking = server.AnonymousClient();
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key + ":")));
        foreach (var path in new[] { "/pricing", "/blog/metrics" })
            await Expect(await tracking.PostAsJsonAsync("/v1/page", new { anonymousId = "aid-visitor", properties = new { path } }), HttpStatusCode.OK);
        await Expect(await tracking.PostAsJsonAsync("/v1/page", new { anonymousId = "aid-someone-else", properties = new { path = "/" } }), HttpStatusCode.OK);

        await Expect(await SubmitAsync(server, ("email", "li.wei@example.cn"), ("first_name", "Wei"), ("anonymous_id", "aid-visitor")), HttpStatusCode.OK);
        await using var db = server.Database.Database.Open();
        var contact = await db.Contacts.SingleAsync();
        Assert.Equal(2, await db.Events.CountAsync(e => e.Type == "page" && e.ContactId == contact.Id));
        Assert.Null((await db.Events.SingleAsync(e => e.AnonymousId == "aid-someone-else")).ContactId);
        Assert.Equal(contact.Id, (await db.Identities.SingleAsync(i => i.Value == "aid-visitor")).ContactId);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task An_invalid_email_or_a_missing_required_consent_is_refused_and_nothing_is_stored(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm(consentRequired: true));
        var badEmail = await Expect(await SubmitAsync(server, ("email", "ana@@example"), ("first_name", "Ana"), ("consent", "on")), HttpStatusCode.BadRequest);
        Assert.Equal("'ana@@example' is not a valid email address", badEmail.GetProperty("errors").GetProperty("email")[0].GetString());
        var noConsent = await Expect(await SubmitAsync(server, ("email", "ana@example.com"), ("first_name", "Ana")), HttpStatusCode.BadRequest);
        Assert.Equal("your consent is required to send this form", noConsent.GetProperty("errors").GetProperty("consent")[0].GetString());
        // A bot fills the honeypot: it is thanked, and nothing is kept.
        var bot = await Expect(await SubmitAsync(server, ("email", "bot@example.com"), ("first_name", "Bot"), ("consent", "on"), ("website", "http://spam")), HttpStatusCode.OK);
        Assert.Equal("Thanks, see you at the webinar!", bot.GetProperty("message").GetString());

        await using var db = server.Database.Database.Open();
        Assert.Equal((0, 0, 0, 0), (await db.Contacts.CountAsync(), await db.Events.CountAsync(), await db.Set<Consent>().CountAsync(), await db.Transitions.CountAsync()));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_hosted_page_redirects_only_to_the_forms_configured_url_and_rate_limits_each_address(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm(redirect: "https://www.example.org/thanks"), "--Lifecycle:Capture:SubmissionsPerMinute=2");
        using var browserLike = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.Address };
        HttpContent Post(string email) => new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["first_name"] = "Eve", ["redirect_url"] = "https://evil.example/", ["returnUrl"] = "https://evil.example/",
        });
        var first = await browserLike.PostAsync("/f/webinar?redirect=https://evil.example/", Post("eve@example.org"));
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal("https://www.example.org/thanks", first.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.SeeOther, (await browserLike.PostAsync("/f/webinar", Post("eve2@example.org"))).StatusCode);
        var third = await browserLike.PostAsync("/f/webinar", Post("eve3@example.org"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        await using var db = server.Database.Database.Open();
        Assert.Equal(2, await db.Contacts.CountAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Views_and_submissions_give_the_form_conversion_rate_per_page(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        var visitor = server.AnonymousClient();
        // Hosted page: 3 views, 1 submission. Embedded on a blog page: 1 view (the script's beacon), 1 submission.
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync("/f/webinar")).StatusCode);
        using var hostedPost = new HttpClient { BaseAddress = server.Address };
        var thanks = await hostedPost.PostAsync("/f/webinar", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "h@example.com", ["first_name"] = "H" }));
        Assert.Contains("Thanks, see you at the webinar!", await thanks.Content.ReadAsStringAsync());
        await Expect(await visitor.PostAsync("/f/webinar/views", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["anonymous_id"] = "aid-blog", ["page"] = "https://blog.example/post?utm_source=x",
        })), HttpStatusCode.NoContent);
        await Expect(await SubmitAsync(server, ("email", "b@example.com"), ("first_name", "B"), ("anonymous_id", "aid-blog"), ("page", "https://blog.example/post")), HttpStatusCode.OK);

        var stats = await Expect(await server.Client.GetAsync("/api/forms/frm-webinar/stats?from=2000-01-01&to=2100-01-01"), HttpStatusCode.OK);
        // Overall: (1 + 1) / (3 + 1) = 0.5; hosted 1/3; blog 1/1 = 1.
        Assert.Equal((4, 2, 0.5), (stats.GetProperty("views").GetInt32(), stats.GetProperty("submissions").GetInt32(), stats.GetProperty("conversion_rate").GetDouble()));
        var pages = stats.GetProperty("pages").EnumerateArray().ToDictionary(p => p.GetProperty("page").GetString()!, p => p.GetProperty("conversion_rate").GetDouble());
        Assert.Equal(1.0 / 3, pages[$"{server.Address.GetLeftPart(UriPartial.Authority)}/f/webinar"], 12);
        Assert.Equal(1.0, pages["https://blog.example/post"]);
        var empty = await Expect(await server.Client.GetAsync("/api/forms/frm-webinar/stats?from=2000-01-01&to=2000-02-01"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("conversion_rate").ValueKind);
        var bad = await Expect(await server.Client.GetAsync("/api/forms/frm-webinar/stats?from=yesterday"), HttpStatusCode.BadRequest);
        Assert.Equal("'yesterday' is not an ISO 8601 date or instant", bad.GetProperty("errors").GetProperty("from")[0].GetString());
        Assert.Equal("required (an ISO 8601 date or instant)", bad.GetProperty("errors").GetProperty("to")[0].GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Double_opt_in_makes_the_contact_mailable_only_after_the_signed_link_is_confirmed(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm(doubleOptIn: true));
        await Expect(await SubmitAsync(server, ("email", "olga@example.ru"), ("first_name", "Olga"), ("consent", "on")), HttpStatusCode.OK);
        string contactId, confirmationId;
        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync();
            Assert.Equal((ContactStatus.Inquiry, false), (contact.Status, contact.Consent));
            Assert.Equal(0, await db.Set<Consent>().CountAsync());
            (contactId, confirmationId) = (contact.Id, (await db.Set<ConsentConfirmation>().SingleAsync()).Id);
        }
        var history = await Expect(await server.Client.GetAsync($"/api/contacts/{contactId}/consents"), HttpStatusCode.OK);
        Assert.Equal(confirmationId, history.GetProperty("pending_confirmations")[0].GetProperty("id").GetString());

        var links = server.Services.GetRequiredService<ConfirmationLinks>();
        var visitor = server.AnonymousClient();
        var forged = new FormUrlEncodedContent(new Dictionary<string, string> { ["sig"] = new string('0', 64) });
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.PostAsync($"/f/confirm/{confirmationId}", forged)).StatusCode);
        var page = await visitor.GetStringAsync(new Uri(links.Url(server.Address.ToString(), confirmationId)).PathAndQuery);
        Assert.Contains("Yes, e-mail me about webinars and product news.", page);
        await using (var db = server.Database.Database.Open())
            Assert.False((await db.Contacts.SingleAsync()).Consent); // showing the page confirms nothing
        var confirmed = await visitor.PostAsync($"/f/confirm/{confirmationId}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["sig"] = links.Signature(confirmationId) }));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync();
            Assert.Equal((ContactStatus.Lead, true), (contact.Status, contact.Consent));
            var consent = await db.Set<Consent>().SingleAsync();
            Assert.Equal(("confirmation", "frm-webinar", true), (consent.Source, consent.SourceId, consent.Granted));
        }
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Consent_is_withdrawn_as_a_new_fact_and_the_contact_flag_follows_the_latest(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "c1@example.com", consent = true }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/consents/withdraw", new { purpose = "marketing_email" }), HttpStatusCode.Created);
        Assert.False((await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).GetProperty("consent").GetBoolean());
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/consents", new { purpose = "event_invites", wording = "Invite me to events" }), HttpStatusCode.Created);
        var bad = await Expect(await api.PostAsJsonAsync("/api/contacts/c1/consents", new { purpose = "Events!" }), HttpStatusCode.BadRequest);
        Assert.Contains("snake_case", bad.GetProperty("errors").GetProperty("purpose")[0].GetString());
        Assert.Equal("required: the words the person agreed to", bad.GetProperty("errors").GetProperty("wording")[0].GetString());

        var consents = await Expect(await api.GetAsync("/api/contacts/c1/consents"), HttpStatusCode.OK);
        Assert.Equal([("marketing_email", true, "api"), ("marketing_email", false, "api"), ("event_invites", true, "api")],
            consents.GetProperty("history").EnumerateArray().Select(c => (c.GetProperty("purpose").GetString(), c.GetProperty("granted").GetBoolean(), c.GetProperty("source").GetString())));
        Assert.False(consents.GetProperty("current").GetProperty("marketing_email").GetProperty("granted").GetBoolean());
        Assert.True(consents.GetProperty("current").GetProperty("event_invites").GetProperty("granted").GetBoolean());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_privacy_export_holds_everything_and_erasure_removes_the_person_but_keeps_the_counts(string engine)
    {
        await using var server = await StartWithFormAsync(engine, WebinarForm());
        var api = server.Client;
        await Expect(await SubmitAsync(server, ("email", "marie@example.fr"), ("first_name", "Marie"), ("last_name", "Curie"), ("company", "Institut"),
            ("consent", "on"), ("anonymous_id", "aid-marie"), ("page", "https://site.example/p?email=marie@example.fr")), HttpStatusCode.OK);
        await Expect(await SubmitAsync(server, ("email", "other@example.fr"), ("first_name", "Other")), HttpStatusCode.OK);
        string id;
        await using (var db = server.Database.Database.Open()) id = (await db.Contacts.SingleAsync(c => c.Email == "marie@example.fr")).Id;
        await Expect(await api.PostAsJsonAsync("/api/nps", new { contact_id = id, score = 9, comment = "Marie loves it", responded_at = "2026-01-10T00:00:00Z" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts/" + id + "/status", new { to = "mql", reason = "Demo Requested" }), HttpStatusCode.Created);
        var accountId = (await Expect(await api.GetAsync($"/api/contacts/{id}"), HttpStatusCode.OK)).GetProperty("account_id").GetString();
        await Expect(await api.PostAsJsonAsync("/api/deals", new { id = "d1", account_id = accountId, contact_id = id, type = "new", amount = 1200, created_at = "2026-01-11T00:00:00Z" }), HttpStatusCode.Created);

        var export = await Expect(await api.GetAsync($"/api/contacts/{id}/privacy-export"), HttpStatusCode.OK);
        Assert.Equal(("marie@example.fr", "Institut"), (export.GetProperty("contact").GetProperty("email").GetString(), export.GetProperty("account").GetProperty("name").GetString()));
        Assert.Equal(["inquiry", "lead", "mql"], export.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("to_status").GetString()));
        Assert.Equal(["identify", "track"], export.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).Order());
        Assert.Equal("marie@example.fr", export.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "identify")
            .GetProperty("payload").GetProperty("traits").GetProperty("email").GetString());
        Assert.Equal("d1", export.GetProperty("deals")[0].GetProperty("id").GetString());
        Assert.Equal("Marie loves it", export.GetProperty("nps")[0].GetProperty("comment").GetString());
        Assert.Equal("form", export.GetProperty("consents")[0].GetProperty("source").GetString());
        Assert.Equal("aid-marie", export.GetProperty("identities")[0].GetProperty("value").GetString());
        Assert.Equal("owner@lifecycle.example", export.GetProperty("form_notifications")[0].GetProperty("recipient").GetString());
        Assert.Equal("export", export.GetProperty("privacy_requests")[0].GetProperty("kind").GetString());

        int transitionsBefore, eventsBefore, leadsBefore;
        await using (var db = server.Database.Database.Open())
            (transitionsBefore, eventsBefore, leadsBefore) = (await db.Transitions.CountAsync(), await db.Events.CountAsync(),
                await db.Transitions.CountAsync(t => t.ToStatus == ContactStatus.Lead));
        await Expect(await api.PostAsync($"/api/contacts/{id}/erase", null), HttpStatusCode.OK);

        await using (var db = server.Database.Database.Open())
        {
            var erased = await db.Contacts.SingleAsync(c => c.Id == id);
            Assert.Equal((null, null, null, false, 0), (erased.Email, erased.FirstName, erased.LastName, erased.Consent, erased.Custom.Count));
            Assert.Equal(ContactStatus.Mql, erased.Status);
            Assert.Equal((transitionsBefore, eventsBefore, leadsBefore), (await db.Transitions.CountAsync(), await db.Events.CountAsync(),
                await db.Transitions.CountAsync(t => t.ToStatus == ContactStatus.Lead)));
            Assert.Equal(0, await db.Identities.CountAsync(i => i.ContactId == id));
            var events = await db.Events.Where(e => e.ContactId == id).ToListAsync();
            Assert.Equal(["Form Submitted"], events.Select(e => e.Name).OfType<string>());
            Assert.All(events, e => Assert.DoesNotContain("marie", e.Payload, StringComparison.OrdinalIgnoreCase));
            Assert.All(events, e => Assert.Null(e.AnonymousId));
            Assert.Null((await db.NpsResponses.SingleAsync()).Comment);
            Assert.Equal(1200m, (await db.Deals.SingleAsync()).Amount);
            Assert.Equal(0, await db.Set<FormNotification>().CountAsync(n => n.ContactId == id));
            var latest = Consents.Current(await db.Set<Consent>().Where(c => c.ContactId == id).ToListAsync());
            Assert.Equal(("erase", false), (latest["marketing_email"].Source, latest["marketing_email"].Granted));
            Assert.Equal([PrivacyRequestKind.Export, PrivacyRequestKind.Erase],
                await db.Set<PrivacyRequest>().Where(p => p.ContactId == id).OrderBy(p => p.Id).Select(p => p.Kind).ToListAsync());
            Assert.Equal("other@example.fr", (await db.Contacts.SingleAsync(c => c.Id != id)).Email);
        }
        var after = await Expect(await api.GetAsync($"/api/contacts/{id}/privacy-export"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("contact").GetProperty("email").ValueKind);
    }
}

/// <summary>Imported consent flags become consent facts with source import.</summary>
public class CaptureImportTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task An_import_records_a_fact_for_each_consent_flag_it_changes_and_none_when_nothing_changes(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var folder = Directory.CreateTempSubdirectory("capture-import").FullName;
        try
        {
            async Task ImportAsync(string rows)
            {
                await File.WriteAllTextAsync(Path.Combine(folder, "contacts.csv"),
                    "contact_id,email,first_name,last_name,title,account_id,country,lead_source,campaign_id,created_at,birthday,consent\n" + rows);
                await new Lifecycle.Interchange.DatasetImporter(database.Database, TimeProvider.System).ImportFolderAsync(folder);
            }
            await ImportAsync("c1,a@example.com,,,,,,,,2026-01-01T00:00:00Z,,true\nc2,b@example.com,,,,,,,,2026-01-01T00:00:00Z,,false\n");
            // The same file again changes nothing; then c1 withdraws and c2 grants.
            await ImportAsync("c1,a@example.com,,,,,,,,2026-01-01T00:00:00Z,,true\nc2,b@example.com,,,,,,,,2026-01-01T00:00:00Z,,false\n");
            await ImportAsync("c1,a@example.com,,,,,,,,2026-01-01T00:00:00Z,,false\nc2,b@example.com,,,,,,,,2026-01-01T00:00:00Z,,true\n");

            await using var db = database.Database.Open();
            var facts = await db.Set<Consent>().OrderBy(c => c.Id).Select(c => new { c.ContactId, c.Granted, c.Source }).ToListAsync();
            Assert.Equal([("c1", true), ("c1", false), ("c2", true)], facts.Select(f => (f.ContactId, f.Granted)));
            Assert.All(facts, f => Assert.Equal("import", f.Source));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>Consent facts follow a contact when tracking merges it into another.</summary>
public class CaptureMergeTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task A_merged_contacts_consent_facts_move_to_the_survivor(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        string key;
        await using (var db = server.Database.Database.Open()) key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "app", TimeProvider.System);
        var tracking = server.AnonymousClient();
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key + ":")));
        await CaptureApiTests.Expect(await server.Client.PostAsJsonAsync("/api/contacts", new { id = "crm-1", email = "lucia@ejemplo.es", status = "lead" }), HttpStatusCode.Created);
        await CaptureApiTests.Expect(await tracking.PostAsJsonAsync("/v1/identify", new { userId = "u-77", traits = new { title = "CMO" } }), HttpStatusCode.OK);
        await CaptureApiTests.Expect(await server.Client.PostAsJsonAsync("/api/contacts/u-77/consents", new { purpose = "marketing_email", wording = "News, please" }), HttpStatusCode.Created);
        await CaptureApiTests.Expect(await tracking.PostAsJsonAsync("/v1/identify", new { userId = "u-77", traits = new { email = "lucia@ejemplo.es" } }), HttpStatusCode.OK);

        await using var check = server.Database.Database.Open();
        var survivor = await check.Contacts.SingleAsync();
        Assert.Equal(("crm-1", true), (survivor.Id, survivor.Consent));
        var fact = await check.Set<Consent>().SingleAsync();
        Assert.Equal(("crm-1", "News, please"), (fact.ContactId, fact.Wording));
    }
}
