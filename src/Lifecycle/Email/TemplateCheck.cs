using System.Text.RegularExpressions;
using Fluid;
using Fluid.Ast;

namespace Lifecycle.Email;

/// <summary>A template part that cannot render: the 1-based line and the reason.</summary>
public sealed record TemplateError(int Line, string Reason)
{
    public override string ToString() => $"line {Line}: {Reason}";
}

/// <summary>
/// Checks a Liquid template when it is saved, so nothing is discovered at send time: the syntax, the filters,
/// and every variable against the fields a message can fill (<see cref="TemplateFields"/>). A variable outside
/// them, or a custom field a contact may lack, is an error unless it has a fallback (<c>| default: "…"</c>).
/// </summary>
public static partial class TemplateCheck
{
    public static readonly FluidParser Parser = new(new FluidParserOptions { AllowFunctions = false });
    public static readonly TemplateOptions Options = new();

    public static (IFluidTemplate? Template, List<TemplateError> Errors) Parse(string source)
    {
        if (!Parser.TryParse(source, out var template, out var error))
            return (null, [SyntaxError(error)]);
        var visitor = new VariableVisitor();
        visitor.VisitTemplate(template);
        var errors = visitor.Problems.Select(p => new TemplateError(LineOf(source, p.Pattern), p.Reason)).ToList();
        return (errors.Count == 0 ? template : null, errors);
    }

    /// <summary>Fluid reports "… at (line:column)" followed by the source excerpt.</summary>
    private static TemplateError SyntaxError(string message)
    {
        var first = message.Split('\n')[0].Trim();
        var at = Position().Match(first);
        return at.Success
            ? new TemplateError(int.Parse(at.Groups[1].Value), first[..at.Index].Trim())
            : new TemplateError(1, first);
    }

    /// <summary>The AST keeps no positions, so the line is where the offending text first appears.</summary>
    private static int LineOf(string source, Regex pattern)
    {
        var match = pattern.Match(source);
        return match.Success ? source.AsSpan(0, match.Index).Count('\n') + 1 : 1;
    }

    [GeneratedRegex(@"at \((\d+):(\d+)\)$")]
    private static partial Regex Position();

    private sealed record Problem(string Reason, Regex Pattern);

    private sealed class VariableVisitor : AstVisitor
    {
        private readonly HashSet<string> _locals = ["forloop", "tablerowloop"];
        private readonly HashSet<MemberExpression> _withFallback = [];
        public List<Problem> Problems { get; } = [];

        public override IFluidTemplate VisitTemplate(IFluidTemplate template)
        {
            // Names bound anywhere by assign, capture, for or tablerow are the template's own.
            new LocalsCollector(_locals).VisitTemplate(template);
            return base.VisitTemplate(template);
        }

        protected override Expression VisitFilterExpression(FilterExpression filter)
        {
            if (!Options.Filters.TryGetValue(filter.Name, out _))
                Problems.Add(new($"unknown filter '{filter.Name}'", new Regex(@"\|\s*" + Regex.Escape(filter.Name) + @"\b")));
            if (filter.Name == "default" && filter.Input is MemberExpression member) _withFallback.Add(member);
            return base.VisitFilterExpression(filter);
        }

        protected override Expression VisitMemberExpression(MemberExpression member)
        {
            var path = Path(member);
            if (path.Count > 0 && !_locals.Contains(path[0]) && TemplateFields.Check(path) is { } reason && !_withFallback.Contains(member))
                Problems.Add(new($"{reason}; give it a fallback ({string.Join(".", path)} | default: \"…\")", PathPattern(path)));
            return base.VisitMemberExpression(member);
        }

        private static List<string> Path(MemberExpression member)
        {
            var path = new List<string>();
            foreach (var segment in member.Segments)
            {
                switch (segment)
                {
                    case IdentifierSegment identifier: path.Add(identifier.Identifier); break;
                    case IndexerSegment { Expression: LiteralExpression literal }: path.Add(literal.Value.ToStringValue()); break;
                    default: return path; // a computed index: check what comes before it
                }
            }
            return path;
        }

        private static Regex PathPattern(List<string> path) =>
            new(string.Join(@"\s*(?:\.\s*|\[\s*['""])", path.Select(Regex.Escape)));
    }

    private sealed class LocalsCollector(HashSet<string> locals) : AstVisitor
    {
        protected override Statement VisitAssignStatement(AssignStatement assign) { locals.Add(assign.Identifier); return base.VisitAssignStatement(assign); }
        protected override Statement VisitCaptureStatement(CaptureStatement capture) { locals.Add(capture.Identifier); return base.VisitCaptureStatement(capture); }
        protected override Statement VisitForStatement(ForStatement loop) { locals.Add(loop.Identifier); return base.VisitForStatement(loop); }
        protected override Statement VisitTableRowStatement(TableRowStatement loop) { locals.Add(loop.Identifier); return base.VisitTableRowStatement(loop); }
    }
}

/// <summary>The fields a template can use: what <see cref="TemplateRenderer"/> puts in the model.</summary>
public static class TemplateFields
{
    public static readonly IReadOnlyDictionary<string, string[]> Objects = new Dictionary<string, string[]>
    {
        ["contact"] = ["id", "email", "first_name", "last_name", "name", "title", "country", "language", "lead_source", "status", "custom"],
        ["account"] = ["id", "name", "domain", "industry", "employees", "country", "status", "custom"],
        ["owner"] = ["name", "email"],
        ["program"] = ["id", "step_id"],
    };

    /// <summary>
    /// Plain values: the unsubscribe link, for templates that place it themselves (the footer always has one); the
    /// signed links of system e-mails, empty in other messages: <c>confirm_url</c> (a form's double opt-in request)
    /// and <c>survey_url</c> (an NPS survey; append <c>/0</c> … <c>/10</c> for the one-click answers).
    /// </summary>
    public static readonly string[] Values = ["unsubscribe_url", "confirm_url", "survey_url"];

    /// <returns>Why the path may not render, or null when every message fills it.</returns>
    public static string? Check(IReadOnlyList<string> path)
    {
        var root = path[0];
        if (Values.Contains(root)) return path.Count == 1 ? null : $"'{string.Join(".", path)}': {root} has no fields";
        if (!Objects.TryGetValue(root, out var fields))
            return $"unknown variable '{root}' (known: {string.Join(", ", Objects.Keys.Concat(Values))})";
        if (path.Count == 1) return null;
        if (!fields.Contains(path[1]))
            return $"unknown variable '{root}.{path[1]}' ({root} has: {string.Join(", ", fields)})";
        if (path[1] == "custom")
            return path.Count == 2 ? null : $"'{string.Join(".", path)}' is a custom field that some contacts lack";
        return path.Count == 2 ? null : $"'{string.Join(".", path)}': {root}.{path[1]} has no fields";
    }
}
