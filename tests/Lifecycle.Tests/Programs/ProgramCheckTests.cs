using Lifecycle.Programs;

namespace Lifecycle.Tests.Programs;

public class ProgramCheckTests
{
    private static readonly IReadOnlySet<string> Templates = new HashSet<string> { "welcome", "reminder" };

    private static ProgramStep Step(string id, string type, string? next = null) => new() { Id = id, Type = type, Next = next };

    private static ProgramDefinition Program(params ProgramStep[] steps) => new() { Id = "p", Name = "P", Steps = [.. steps] };

    private static Dictionary<string, List<string>> Errors(ProgramDefinition program) =>
        ProgramCheck.Check(program, Templates, new HashSet<string>()).Errors.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void A_complete_nurture_program_has_no_problem()
    {
        var program = Program(
            Step("welcome", "send_email", "pause") with { TemplateId = "welcome" },
            Step("pause", "wait", "demo?") with { Duration = "P3D" },
            Step("demo?", "branch") with { Event = "Demo Requested", Yes = "qualified", No = "split" },
            Step("split", "ab_split") with { Variants = [new("a", 1, "remind"), new("b", 1, "points")] },
            Step("remind", "send_email", "became_mql") with { TemplateId = "reminder" },
            Step("points", "add_points", "became_mql") with { Points = 5 },
            Step("became_mql", "goal", "monday") with { Condition = "status = 'mql'" },
            Step("monday", "wait", "tag") with { Weekday = "monday", Hour = 9 },
            Step("tag", "update_field", "owner") with { Field = "custom.nurtured", Value = "yes" },
            Step("owner", "notify_owner", "hook") with { Message = "ready for a call" },
            Step("hook", "webhook", "qualified") with { Event = "program.finished" },
            Step("qualified", "change_status", "done") with { Status = "mql", Reason = "nurtured" },
            Step("done", "exit"));
        Assert.Empty(Errors(program with { Triggers = [new("segment", Segment: "score >= 20"), new("missed_action", Event: "Trial Started", Missing: "Demo Requested", WithinDays: 3)] }));
    }

    [Fact]
    public void An_unknown_next_names_the_step_and_field()
    {
        var errors = Errors(Program(Step("a", "send_email", "nowhere") with { TemplateId = "welcome" }));
        Assert.Equal(["no step 'nowhere'"], errors["steps.a.next"]);
    }

    [Fact]
    public void A_cycle_without_a_wait_is_refused_and_one_with_a_wait_is_not()
    {
        var loop = Program(
            Step("a", "send_email", "b") with { TemplateId = "welcome" },
            Step("b", "branch") with { Condition = "status = 'lead'", Yes = "a", No = "end" },
            Step("end", "exit"));
        var reason = Assert.Single(Errors(loop)["steps.a.next"]);
        Assert.Contains("a -> b -> a", reason);

        var paced = Program(
            Step("a", "send_email", "w") with { TemplateId = "welcome" },
            Step("w", "wait", "b") with { Duration = "P7D" },
            Step("b", "branch") with { Condition = "status = 'lead'", Yes = "a", No = "end" },
            Step("end", "exit"));
        Assert.Empty(Errors(paced));
    }

    [Fact]
    public void An_unreachable_step_an_unknown_template_and_a_duplicate_id_are_named()
    {
        var errors = Errors(Program(
            Step("a", "send_email") with { TemplateId = "no-such-template" },
            Step("orphan", "exit")));
        Assert.Equal(["no e-mail template 'no-such-template'"], errors["steps.a.template_id"]);

        errors = Errors(Program(Step("a", "exit"), Step("orphan", "exit")));
        Assert.Contains("unreachable", Assert.Single(errors["steps.orphan.id"]));

        errors = Errors(Program(Step("a", "wait", "a") with { Duration = "PT1H" }, Step("a", "exit")));
        Assert.Equal(["another step has this id"], errors["steps.a.id"]);
    }

    [Fact]
    public void Bad_segment_syntax_gives_the_position()
    {
        // "status = " ends at character 9; the value is missing at position 10 (the end).
        var errors = Errors(Program(Step("g", "goal", "x") with { Condition = "status = " }, Step("x", "exit")));
        var reason = Assert.Single(errors["steps.g.condition"]);
        Assert.StartsWith("position 10:", reason);

        errors = Errors(Program(Step("x", "exit")) with { Triggers = [new("segment", Segment: "score >>= 3")] });
        Assert.StartsWith("position ", Assert.Single(errors["triggers[0].segment"]));
    }

    [Fact]
    public void Step_fields_are_checked_by_type()
    {
        var errors = Errors(Program(
            Step("w", "wait", "s") with { Duration = "three days" },
            Step("s", "ab_split") with { Variants = [new("only", 1, "h")] },
            Step("h", "wait", "c") with { Weekday = "someday", Hour = 25 },
            Step("c", "change_status", "u") with { Status = "famous" },
            Step("u", "update_field", "t") with { Field = "email", Value = "x@y.z" },
            Step("t", "teleport")));
        Assert.Contains("not an ISO 8601 duration", Assert.Single(errors["steps.w.duration"]));
        Assert.Equal(["an A/B split needs at least two variants"], errors["steps.s.variants"]);
        Assert.Contains("not a weekday", Assert.Single(errors["steps.h.weekday"]));
        Assert.Equal(["required, 0 to 23"], errors["steps.h.hour"]);
        Assert.Contains("'famous' is not one of", Assert.Single(errors["steps.c.status"]));
        Assert.Contains("'email' cannot be set", Assert.Single(errors["steps.u.field"]));
        Assert.Contains("'teleport' is not one of", Assert.Single(errors["steps.t.type"]));
    }

    [Fact]
    public void The_json_form_reads_snake_case()
    {
        var program = ProgramDefinition.FromJson("""
            {"id":"trial","name":"Trial nurture","status":"active","re_entry":{"rule":"after_days","days":90},
             "triggers":[{"type":"missed_action","event":"Trial Started","missing":"Demo Requested","within_days":3}],
             "steps":[{"id":"mail","type":"send_email","template_id":"welcome","next":"end","stall_after_days":5},{"id":"end","type":"exit"}]}
            """);
        Assert.Equal(ProgramStatus.Active, program.Status);
        Assert.Equal(new ReEntry(ReEntryRule.AfterDays, 90), program.ReEntry);
        Assert.Equal(3, program.Triggers[0].WithinDays);
        Assert.Equal("welcome", program.Start!.TemplateId);
        Assert.Equal(5, program.Start.StallAfterDays);
        Assert.Empty(Errors(program));
    }
}
