using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using static Lifecycle.Demo.DemoVocabulary;

namespace Lifecycle.Demo;

/// <param name="Until">The last month of data (its first day); nothing happens after that month ends.</param>
public sealed record DemoOptions(int Contacts, int Months, int Seed, DateOnly Until);

public sealed class DemoDataset
{
    public List<Account> Accounts { get; } = [];
    public List<Campaign> Campaigns { get; } = [];
    public List<CostLine> Costs { get; } = [];
    public List<Contact> Contacts { get; } = [];
    public List<Transition> Transitions { get; } = [];
    public List<Deal> Deals { get; } = [];
    public List<Subscription> Subscriptions { get; } = [];
    public List<NpsResponse> Nps { get; } = [];
    public long Events { get; set; }
}

/// <summary>
/// A synthetic B2B company: accounts, campaigns with monthly costs, contacts who move through the lifecycle at
/// believable rates and speeds (with seasonality, recycling, reopening, disqualification, churn and win-back),
/// deals of every type, subscriptions, NPS answers and the behaviour (web, forms, email) behind it all.
/// Pure and seeded: only <see cref="Random"/>(seed) decides, so the same options give the same data. Events are
/// handed to a sink as they are made (there are millions at scale); everything else is returned.
/// </summary>
public sealed class DemoGenerator
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly double[] Season = [0.9, 1.0, 1.15, 1.0, 1.0, 1.05, 0.9, 0.7, 1.1, 1.2, 1.15, 0.8];

    private readonly DemoOptions _options;
    private readonly Random _random;
    private readonly DateTime _start, _end;
    private readonly DemoDataset _data = new();
    private readonly Action<ReadOnlySpan<byte>> _events;
    private readonly ArrayBufferWriter<byte> _buffer = new(2048);
    private readonly Dictionary<string, Market> _marketOfAccount = [];
    private readonly Dictionary<string, List<(Contact Contact, DateTime WonAt, Deal Deal)>> _wins = [];
    private readonly Dictionary<string, DateTime> _lastTransition = [];
    private readonly HashSet<(string, DateTime)> _surveyed = [];
    private int _deals;

    private DemoGenerator(DemoOptions options, Action<ReadOnlySpan<byte>> events)
    {
        _options = options;
        _random = new Random(options.Seed);
        _end = options.Until.AddMonths(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        _start = options.Until.AddMonths(1 - options.Months).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        _events = events;
    }

    /// <param name="events">Receives each event as one line of JSON (UTF-8, no line end).</param>
    public static DemoDataset Generate(DemoOptions options, Action<ReadOnlySpan<byte>> events, IProgress<int>? progress = null)
    {
        var generator = new DemoGenerator(options, events);
        generator.Campaigns();
        generator.Costs();
        generator.Accounts();
        for (var i = 0; i < options.Contacts; i++)
        {
            generator.Person(i);
            if (i % 5000 == 4999) progress?.Report(i + 1);
        }
        generator.Customers();
        return generator._data;
    }

    // ---------- randomness ----------
    private double Uniform() => _random.NextDouble();
    private bool Chance(double p) => _random.NextDouble() < p;
    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
    private double Normal() => Math.Sqrt(-2 * Math.Log(1 - Uniform())) * Math.Cos(2 * Math.PI * Uniform());
    /// <summary>A log-normal duration in whole seconds (instants stay exact through every engine and format).</summary>
    private TimeSpan Days(double median, double sigma = 0.6) => TimeSpan.FromSeconds(Math.Round(median * 86400 * Math.Exp(sigma * Normal())));
    private T Weighted<T>(IReadOnlyList<T> items, Func<T, double> weight)
    {
        var total = items.Sum(weight);
        var x = Uniform() * total;
        foreach (var item in items) if ((x -= weight(item)) <= 0) return item;
        return items[^1];
    }
    private static decimal Money(double amount) => Math.Round((decimal)amount, 2);

    // ---------- campaigns and costs ----------
    private void Campaigns()
    {
        var languages = new[] { "ja", "ko", "es", "en" };
        var n = 0;
        foreach (var channel in Channels)
        {
            for (var start = _start; start < _end; start = start.AddMonths(_random.Next(4, 8)))
            {
                var quarter = $"{start.Year} Q{(start.Month - 1) / 3 + 1}";
                var language = Pick(languages);
                _data.Campaigns.Add(new Campaign
                {
                    Id = $"cmp-{channel.Channel.Replace('_', '-')}-{++n:000}",
                    Name = string.Format(CultureInfo.InvariantCulture, Pick(CampaignNames[language]), quarter),
                    Channel = channel.Channel,
                    Audience = Audience.Prospects,
                    StartsOn = DateOnly.FromDateTime(start),
                    EndsOn = DateOnly.FromDateTime(start.AddMonths(_random.Next(3, 7)).AddDays(-1)),
                    Custom = { ["language"] = language },
                });
            }
        }
        foreach (var (id, name, channel) in new[] { ("cmp-customer-newsletter", "Customer Newsletter / ニュースレター", "email"), ("cmp-customer-webinar", "Customer Success Webinars", "webinar"), ("cmp-referral-program", "Programa de referidos", "referral") })
            _data.Campaigns.Add(new Campaign { Id = id, Name = name, Channel = channel, Audience = Audience.Customers, StartsOn = DateOnly.FromDateTime(_start), Custom = { ["language"] = "en" } });
    }

    private void Costs()
    {
        for (var month = DateOnly.FromDateTime(_start); month.ToDateTime(TimeOnly.MinValue) < _end; month = month.AddMonths(1))
        {
            var season = Season[month.Month - 1];
            foreach (var campaign in _data.Campaigns.Where(c => c.StartsOn <= month.AddMonths(1).AddDays(-1) && (c.EndsOn is null || c.EndsOn >= month)))
            {
                var paid = Channels.FirstOrDefault(c => c.Channel == campaign.Channel).Paid;
                if (paid)
                {
                    var media = campaign.Channel switch { "paid_search" => 4200, "paid_social" => 3100, "events" => 7000, "content" => 1500, _ => 900 };
                    _data.Costs.Add(new CostLine { Month = month, CampaignId = campaign.Id, Channel = campaign.Channel, Category = CostCategory.Media, Amount = Money(media * season * (0.8 + 0.4 * Uniform())) });
                }
                _data.Costs.Add(new CostLine { Month = month, CampaignId = campaign.Id, Channel = campaign.Channel, Category = CostCategory.Labor, Amount = Money(600 + 1400 * Uniform()) });
                if (campaign.Channel is "email" or "webinar")
                    _data.Costs.Add(new CostLine { Month = month, CampaignId = campaign.Id, Channel = campaign.Channel, Category = CostCategory.Technology, Amount = Money(150 + 100 * Uniform()) });
            }
            _data.Costs.Add(new CostLine { Month = month, Channel = "overhead", Category = CostCategory.Technology, Amount = 1490m });
            _data.Costs.Add(new CostLine { Month = month, Channel = "overhead", Category = CostCategory.Labor, Amount = Money(5200 + 600 * Uniform()) });
        }
    }

    // ---------- accounts ----------
    private void Accounts()
    {
        var count = Math.Max(1, _options.Contacts / 4);
        for (var i = 0; i < count; i++)
        {
            var market = Weighted(Markets, m => m.Weight);
            var stem = Pick(CompanyStems);
            var employees = (int)Math.Clamp(Math.Exp(4.2 + 1.5 * Normal()), 2, 200_000);
            var id = $"acc-{i + 1:000000}";
            _marketOfAccount[id] = market;
            _data.Accounts.Add(new Account
            {
                Id = id,
                Name = string.Format(CultureInfo.InvariantCulture, Pick(market.CompanyPatterns), stem) + (i >= CompanyStems.Length ? $" {i + 1}" : ""),
                Domain = $"{stem.ToLowerInvariant().Replace("é", "e").Replace("ú", "u")}{i + 1}.{market.Tld}",
                Industry = Pick(Industries),
                Employees = employees,
                Country = market.Country,
                Owner = Pick(Reps),
                Custom = { ["segment"] = Segment(employees) },
            });
        }
    }

    private static string Segment(int? employees) => employees switch { < 100 => "smb", < 1000 => "mid_market", _ => "enterprise" };

    // ---------- people and their journeys ----------
    private sealed class Journey(Contact contact, Market market, Account account, (string Title, double Fit) title)
    {
        public Contact Contact { get; } = contact;
        public Market Market { get; } = market;
        public Account Account { get; } = account;
        public double Fit { get; } = title.Fit * (account.Employees >= 1000 ? 1.25 : account.Employees >= 100 ? 1.0 : 0.8);
        public ContactStatus? Status { get; set; }
        public List<(DateTime At, ContactStatus Status)> Path { get; } = [];
        public List<DateTime> HandRaises { get; } = [];
        public int Events { get; set; }
    }

    private void Person(int index)
    {
        var account = _data.Accounts[_random.Next(_data.Accounts.Count)];
        var market = _marketOfAccount[account.Id];
        var created = CreatedAt();
        var campaign = Chance(0.75) ? ActiveCampaign(created) : null;
        var given = Pick(market.GivenNames);
        var family = Pick(market.FamilyNames);
        var id = $"con-{index + 1:0000000}";
        var title = Pick(Titles);
        var contact = new Contact
        {
            Id = id,
            Email = $"{id}@{account.Domain}",
            FirstName = given,
            LastName = family,
            Title = title.Title,
            AccountId = account.Id,
            Country = market.Country,
            LeadSource = campaign?.Channel ?? Pick(["organic_search", "direct", "referral"]),
            CampaignId = campaign?.Id,
            CreatedAt = created,
            Birthday = Chance(0.3) ? new DateOnly(1960 + _random.Next(40), 1 + _random.Next(12), 1 + _random.Next(28)) : null,
            Consent = Chance(0.9),
            Custom = { ["language"] = market.Language, ["time_zone"] = market.TimeZone },
        };
        _data.Contacts.Add(contact);
        var journey = new Journey(contact, market, account, title);
        Walk(journey);
        Behaviour(journey, campaign);
    }

    /// <summary>Creation instants follow growth (3% a month) and the season (August and December are slow).</summary>
    private DateTime CreatedAt()
    {
        var months = Enumerable.Range(0, _options.Months).ToArray();
        var month = Weighted(months, m => (1 + 0.03 * m) * Season[_start.AddMonths(m).Month - 1]);
        var first = _start.AddMonths(month);
        var seconds = (first.AddMonths(1) - first).TotalSeconds * Uniform();
        return first.AddSeconds(Math.Floor(seconds));
    }

    private Campaign? ActiveCampaign(DateTime at)
    {
        var day = DateOnly.FromDateTime(at);
        var active = _data.Campaigns.Where(c => c.Audience == Audience.Prospects && c.StartsOn <= day && (c.EndsOn is null || c.EndsOn >= day)).ToList();
        return active.Count == 0 ? null : Pick(active);
    }

    private bool Move(Journey journey, ContactStatus to, DateTime at, string reason, string actor)
    {
        if (at >= _end) return false;
        var decision = StatusRules.Decide(journey.Status, to, reason);
        if (!decision.Allowed) throw new InvalidOperationException($"demo model bug: {decision.Refusal}");
        _data.Transitions.Add(new Transition
        {
            ContactId = journey.Contact.Id, FromStatus = journey.Status, ToStatus = to, At = at, Reason = reason, Actor = actor,
            CampaignId = journey.Contact.CampaignId,
        });
        journey.Status = to;
        journey.Contact.Status = to;
        journey.Path.Add((at, to));
        _lastTransition[journey.Contact.Id] = at;
        return true;
    }

    /// <summary>
    /// The lifecycle walk. Rates and times are what B2B benchmarks report (roughly: a third of leads become MQLs
    /// within weeks, 70% of MQLs are accepted, half of SQLs reach a deal, a quarter to a third of deals are won).
    /// </summary>
    private void Walk(Journey j)
    {
        var owner = $"user:{j.Account.Owner}";
        var t = j.Contact.CreatedAt;
        Move(j, ContactStatus.Inquiry, t, "form submitted", "rule:form_submitted");
        if (!j.Contact.Consent) return;
        t = t.AddMinutes(1 + _random.Next(30));
        if (!Move(j, ContactStatus.Lead, t, "consent given; selected for nurture", "rule:selected_for_marketing")) return;
        var reopenings = 0;
        while (true)
        {
            switch (j.Status)
            {
                case ContactStatus.Lead:
                    if (!Chance(Math.Min(0.9, 0.3 * j.Fit * (reopenings > 0 ? 1.2 : 1)))) return;
                    t += Days(21, 0.8);
                    if (Chance(0.3))
                    {
                        j.HandRaises.Add(t.AddMinutes(-5));
                        if (!Move(j, ContactStatus.Mql, t, "Demo Requested", "rule:hand_raiser")) return;
                    }
                    else if (!Move(j, ContactStatus.Mql, t, "score reached 100", "rule:mql_threshold")) return;
                    break;
                case ContactStatus.Mql:
                    t += Days(2);
                    var accept = Uniform();
                    if (accept < 0.70) { if (!Move(j, ContactStatus.Sal, t, "accepted", owner)) return; }
                    else if (accept < 0.95) { if (!Move(j, ContactStatus.Recycled, t, "not ready", owner)) return; }
                    else if (!Move(j, ContactStatus.Disqualified, t, Pick(DisqualifyReasons), owner)) return;
                    break;
                case ContactStatus.Sal:
                    t += Days(7);
                    var qualify = Uniform();
                    if (qualify < 0.55) { if (!Move(j, ContactStatus.Sql, t, "budget and timing confirmed", owner)) return; }
                    else if (qualify < 0.90) { if (!Move(j, ContactStatus.Recycled, t, "not ready", owner)) return; }
                    else if (!Move(j, ContactStatus.Disqualified, t, Pick(DisqualifyReasons), owner)) return;
                    break;
                case ContactStatus.Sql:
                    t += Days(5);
                    if (Chance(0.70)) { if (!Opportunity(j, ref t)) return; }
                    else if (!Move(j, ContactStatus.Recycled, t, "not ready", owner)) return;
                    break;
                case ContactStatus.Recycled:
                    if (++reopenings > 2 || !Chance(0.3)) return;
                    t += Days(60, 0.5);
                    if (!Move(j, ContactStatus.Lead, t, "engagement rose again", "rule:reopened")) return;
                    break;
                default:
                    return; // customer, disqualified
            }
        }
    }

    /// <summary>A deal from the SQL: won makes a customer, lost recycles, and one still open stays an opportunity.</summary>
    private bool Opportunity(Journey j, ref DateTime t)
    {
        if (!Move(j, ContactStatus.Opportunity, t, "deal created", $"user:{j.Account.Owner}")) return false;
        var customerAlready = _wins.ContainsKey(j.Account.Id);
        var deal = new Deal
        {
            Id = $"deal-{++_deals:0000000}",
            AccountId = j.Account.Id,
            ContactId = j.Contact.Id,
            Type = customerAlready ? (Chance(0.5) ? DealType.Upsell : DealType.CrossSell) : DealType.New,
            Amount = Money(BaseAmount(j.Account) * (customerAlready ? 0.3 : 1) * Math.Exp(0.4 * Normal())),
            CreatedAt = t,
            CampaignId = Chance(0.6) ? j.Contact.CampaignId : null,
            Outcome = DealOutcome.Open,
        };
        _data.Deals.Add(deal);
        var closeAt = t + Days(45, 0.5);
        var outcome = Uniform();
        if (closeAt >= _end || outcome >= 0.8) return false; // still open
        deal.ClosedAt = closeAt;
        t = closeAt;
        if (outcome < 0.3)
        {
            deal.Outcome = DealOutcome.Won;
            if (!_wins.TryGetValue(j.Account.Id, out var wins)) _wins[j.Account.Id] = wins = [];
            wins.Add((j.Contact, closeAt, deal));
            return Move(j, ContactStatus.Customer, t, "deal won", $"user:{j.Account.Owner}");
        }
        deal.Outcome = DealOutcome.Lost;
        return Move(j, ContactStatus.Recycled, t, "deal lost", $"user:{j.Account.Owner}");
    }

    private static double BaseAmount(Account account) => Segment(account.Employees) switch { "smb" => 6000, "mid_market" => 24000, _ => 80000 };

    // ---------- customers: subscriptions, churn, win-back, renewals, expansion, NPS ----------
    private void Customers()
    {
        foreach (var account in _data.Accounts.Where(a => _wins.ContainsKey(a.Id)))
        {
            var wins = _wins[account.Id].OrderBy(w => w.WonAt).ToList();
            var contacts = wins.Select(w => w.Contact).Distinct().ToList();
            var firstDeal = wins[0].Deal;
            var start = wins[0].WonAt;
            var mrr = Money((double)firstDeal.Amount / 12);
            while (start < _end)
            {
                // Monthly churn of about 1.5%: the months until the subscription ends are geometric.
                var months = 1 + (int)Math.Floor(Math.Log(1 - Uniform()) / Math.Log(1 - 0.015));
                var ends = start.Date.AddMonths(months);
                var subscription = new Subscription
                {
                    Id = $"sub-{_data.Subscriptions.Count + 1:000000}", AccountId = account.Id, Mrr = mrr,
                    StartsOn = DateOnly.FromDateTime(start), EndsOn = ends < _end ? DateOnly.FromDateTime(ends) : null,
                };
                _data.Subscriptions.Add(subscription);
                Expansion(account, contacts, start, ends < _end ? ends : _end, mrr);
                if (ends >= _end) break;
                foreach (var contact in contacts.Where(c => c.Status == ContactStatus.Customer))
                    Record(contact, ContactStatus.Churned, ends, "subscription ended", "rule:churned");
                if (!Chance(0.1)) break;
                start = ends + Days(120, 0.4);
                if (start >= _end) break;
                var winBack = new Deal
                {
                    Id = $"deal-{++_deals:0000000}", AccountId = account.Id, ContactId = contacts[0].Id, Type = DealType.New,
                    Amount = firstDeal.Amount, CreatedAt = start - Days(30), ClosedAt = start, Outcome = DealOutcome.Won,
                };
                _data.Deals.Add(winBack);
                foreach (var contact in contacts.Where(c => c.Status == ContactStatus.Churned))
                    Record(contact, ContactStatus.Customer, start, "won back", $"user:{account.Owner}");
            }
        }
    }

    private void Record(Contact contact, ContactStatus to, DateTime at, string reason, string actor)
    {
        // History only moves forward: a contact who became a customer after this instant keeps its later story.
        if (at >= _end || at <= _lastTransition[contact.Id]) return;
        _lastTransition[contact.Id] = at;
        var decision = StatusRules.Decide(contact.Status, to, reason);
        if (!decision.Allowed) throw new InvalidOperationException($"demo model bug: {decision.Refusal}");
        _data.Transitions.Add(new Transition { ContactId = contact.Id, FromStatus = contact.Status, ToStatus = to, At = at, Reason = reason, Actor = actor, CampaignId = contact.CampaignId });
        contact.Status = to;
    }

    /// <summary>While a subscription runs: yearly renewals, occasional upsell and cross-sell, NPS surveys.</summary>
    private void Expansion(Account account, List<Contact> contacts, DateTime from, DateTime until, decimal mrr)
    {
        for (var anniversary = from.AddYears(1); anniversary < until; anniversary = anniversary.AddYears(1))
            _data.Deals.Add(new Deal
            {
                Id = $"deal-{++_deals:0000000}", AccountId = account.Id, ContactId = contacts[0].Id, Type = DealType.Renewal,
                Amount = mrr * 12, CreatedAt = anniversary.AddDays(-45), ClosedAt = anniversary, Outcome = DealOutcome.Won,
            });
        for (var month = from.AddMonths(2); month < until; month = month.AddMonths(1))
        {
            if (Chance(0.03))
            {
                var won = Chance(0.6);
                _data.Deals.Add(new Deal
                {
                    Id = $"deal-{++_deals:0000000}", AccountId = account.Id, ContactId = Pick(contacts).Id,
                    Type = Chance(0.65) ? DealType.Upsell : DealType.CrossSell, Amount = Money((double)mrr * 12 * (0.1 + 0.3 * Uniform())),
                    CreatedAt = month, ClosedAt = month + Days(25), Outcome = won ? DealOutcome.Won : DealOutcome.Lost,
                    CampaignId = Chance(0.5) ? "cmp-customer-webinar" : null,
                });
                if (_data.Deals[^1].ClosedAt >= _end) { _data.Deals[^1].ClosedAt = null; _data.Deals[^1].Outcome = DealOutcome.Open; }
            }
        }
        foreach (var contact in contacts)
        {
            var language = contact.Custom["language"];
            for (var survey = from.AddDays(90); survey < until; survey = survey.AddDays(180))
            {
                if (!Chance(0.4)) continue;
                var answered = survey + TimeSpan.FromSeconds(Math.Round(3600 * (1 + 72 * Uniform())));
                if (answered >= _end || !_surveyed.Add((contact.Id, answered))) continue;
                var x = Uniform();
                var score = x < 0.45 ? 9 + _random.Next(2) : x < 0.8 ? 7 + _random.Next(2) : _random.Next(7);
                var (promoter, passive, detractor) = Verbatims[language];
                var comments = score >= 9 ? promoter : score >= 7 ? passive : detractor;
                _data.Nps.Add(new NpsResponse
                {
                    ContactId = contact.Id, Score = score, Comment = Chance(0.6) ? Pick(comments) : null,
                    RespondedAt = answered,
                });
            }
        }
    }

    // ---------- behaviour: web, forms, email ----------
    private void Behaviour(Journey j, Campaign? campaign)
    {
        var contact = j.Contact;
        var anonymousId = $"anon-{contact.Id[4..]}";
        var channel = Channels.FirstOrDefault(c => c.Channel == contact.LeadSource);
        var visits = 1 + _random.Next(4);
        for (var v = visits; v > 0; v--)
        {
            var at = contact.CreatedAt - TimeSpan.FromHours(v * (2 + 40 * Uniform()));
            if (at < _start) continue;
            Event(j, "page", null, anonymous: anonymousId, at: at, page: v == visits ? "/" : Pick(["/pricing", "/blog/lifecycle-metrics", "/product", "/customers"]),
                utm: v == visits && channel.Channel is not null ? (channel.UtmSource, channel.UtmMedium, campaign?.Id) : default);
        }
        Event(j, "identify", null, anonymous: anonymousId, at: contact.CreatedAt, traits: true);
        Event(j, "track", "Form Submitted", anonymous: anonymousId, at: contact.CreatedAt.AddSeconds(1), campaignId: contact.CampaignId,
            properties: [("form_id", contact.LeadSource == "webinar" ? "webinar-registration" : "contact-us")]);
        if (contact.LeadSource == "webinar")
        {
            Event(j, "track", "Event Registered", at: contact.CreatedAt.AddSeconds(2), campaignId: contact.CampaignId);
            if (Chance(0.55)) Event(j, "track", "Webinar Attended", at: contact.CreatedAt.AddDays(7), campaignId: contact.CampaignId);
        }
        foreach (var raised in j.HandRaises) Event(j, "track", "Demo Requested", at: raised, campaignId: contact.CampaignId);
        if (Chance(0.15)) Event(j, "track", "Trial Started", at: contact.CreatedAt.AddDays(1 + 10 * Uniform()));

        // Nurture e-mail every two weeks while the contact is in lead, mql or recycled.
        var language = contact.Custom["language"];
        var path = j.Path;
        var unsubscribed = false;
        for (var i = 0; i < path.Count && !unsubscribed; i++)
        {
            if (path[i].Status is not (ContactStatus.Lead or ContactStatus.Recycled)) continue;
            var until = i + 1 < path.Count ? path[i + 1].At : _end;
            var n = 0;
            for (var send = path[i].At.AddDays(1); send < until && send < _end && n < 12; send = send.AddDays(14), n++)
            {
                var emailId = $"em-nurture-{language}-{n + 1:00}";
                var program = $"prog-nurture-{language}";
                Event(j, "track", "Email Sent", at: send, campaignId: contact.CampaignId, email: (emailId, program));
                if (Chance(0.03)) { Event(j, "track", "Email Bounced", at: send.AddMinutes(1), campaignId: contact.CampaignId, email: (emailId, program)); break; }
                Event(j, "track", "Email Delivered", at: send.AddMinutes(1), campaignId: contact.CampaignId, email: (emailId, program));
                if (!Chance(0.28)) continue;
                var opened = send.AddHours(1 + 30 * Uniform());
                Event(j, "track", "Email Opened", at: opened, campaignId: contact.CampaignId, email: (emailId, program));
                if (Chance(0.004)) { Event(j, "track", "Email Unsubscribed", at: opened.AddMinutes(1), campaignId: contact.CampaignId, email: (emailId, program)); unsubscribed = true; break; }
                if (!Chance(0.2)) continue;
                Event(j, "track", "Email Clicked", at: opened.AddMinutes(1), campaignId: contact.CampaignId, email: (emailId, program));
                Event(j, "page", null, at: opened.AddMinutes(2), page: "/blog/lifecycle-metrics", utm: ("newsletter", "email", contact.CampaignId));
                if (Chance(0.3)) Event(j, "track", "Content Downloaded", at: opened.AddMinutes(5), campaignId: contact.CampaignId, properties: [("asset", "lifecycle-metrics-guide")]);
            }
        }
        // Customers get the monthly newsletter.
        var customerSince = path.FirstOrDefault(p => p.Status == ContactStatus.Customer).At;
        if (customerSince != default)
            for (var send = customerSince.AddDays(20); send < _end; send = send.AddMonths(1))
            {
                var emailId = $"em-customer-{send:yyyy-MM}";
                Event(j, "track", "Email Sent", at: send, campaignId: "cmp-customer-newsletter", email: (emailId, "prog-customer-newsletter"));
                Event(j, "track", "Email Delivered", at: send.AddMinutes(1), campaignId: "cmp-customer-newsletter", email: (emailId, "prog-customer-newsletter"));
                if (Chance(0.4)) Event(j, "track", "Email Opened", at: send.AddHours(3), campaignId: "cmp-customer-newsletter", email: (emailId, "prog-customer-newsletter"));
            }
    }

    private void Event(Journey j, string type, string? name, DateTime at, string? anonymous = null, string? page = null,
        (string? Source, string? Medium, string? Campaign) utm = default, bool traits = false, string? campaignId = null,
        (string EmailId, string ProgramId)? email = null, (string Key, string Value)[]? properties = null)
    {
        if (at >= _end || at < _start) return;
        var contact = j.Contact;
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteString("messageId", $"ev-{contact.Id[4..]}-{++j.Events:000}");
            json.WriteString("timestamp", at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            if (at >= contact.CreatedAt) json.WriteString("userId", contact.Id);
            if (anonymous is not null) json.WriteString("anonymousId", anonymous);
            if (name is not null) json.WriteString("event", name);
            if (traits)
            {
                json.WriteStartObject("traits");
                json.WriteString("email", contact.Email);
                json.WriteString("firstName", contact.FirstName);
                json.WriteString("lastName", contact.LastName);
                json.WriteString("title", contact.Title);
                json.WriteEndObject();
            }
            if (campaignId is not null || email is not null || properties is not null)
            {
                json.WriteStartObject("properties");
                if (campaignId is not null) json.WriteString("campaign_id", campaignId);
                if (email is { } e) { json.WriteString("email_id", e.EmailId); json.WriteString("program_id", e.ProgramId); }
                foreach (var (key, value) in properties ?? []) json.WriteString(key, value);
                json.WriteEndObject();
            }
            json.WriteStartObject("context");
            if (page is not null)
            {
                json.WriteStartObject("page");
                json.WriteString("path", page);
                json.WriteString("url", $"https://www.lifecycle-demo.example{page}");
                if (utm.Medium is "organic" && utm.Source is not null) json.WriteString("referrer", "https://www.google.com/");
                json.WriteEndObject();
            }
            if (utm.Medium is not null && utm.Medium != "organic")
            {
                json.WriteStartObject("campaign");
                json.WriteString("source", utm.Source);
                json.WriteString("medium", utm.Medium);
                if (utm.Campaign is not null) json.WriteString("name", utm.Campaign);
                json.WriteEndObject();
            }
            json.WriteString("locale", contact.Custom["language"]);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        _events(_buffer.WrittenSpan);
        _data.Events++;
    }
}
