using Lifecycle.Email;

namespace Lifecycle.Tests.Email;

public class TemplateCheckTests
{
    private static TemplateError Single(string source) => Assert.Single(TemplateCheck.Parse(source).Errors);

    [Fact]
    public void Known_fields_fallbacks_locals_and_filters_pass()
    {
        var (template, errors) = TemplateCheck.Parse(
            """
            Hi {{ contact.first_name | default: "there" }} from {{ account.name | upcase }},
            {% assign plan = contact.custom.plan | default: "free" %}{{ plan }}
            {% assign tags = contact.custom.tags | default: "" | split: "," %}{% for tag in tags %}{{ forloop.index }} {{ tag }}{% endfor %}
            {% if account.employees > 100 %}{{ contact.custom["seats"] | default: 0 }}{% endif %}{{ owner.email }} {{ program.id }} {{ unsubscribe_url }}
            """);
        Assert.Empty(errors);
        Assert.NotNull(template);
    }

    [Fact]
    public void A_syntax_error_gives_its_line_and_reason()
    {
        var error = Single("Hello\n{% if contact.first_name %}\nno end");
        // Fluid reads to the end looking for endif: the error is at the last line, 3.
        Assert.Equal(3, error.Line);
        Assert.Contains("endif", error.Reason);

        var unclosed = Single("one\ntwo {{ contact.first_name }\nthree");
        Assert.Equal(2, unclosed.Line);
        Assert.Contains("}}", unclosed.Reason);
    }

    [Fact]
    public void An_unknown_variable_without_a_fallback_is_refused_with_its_line()
    {
        var error = Single("Dear customer,\n\nyour plan: {{ contact.frist_name }}\n");
        Assert.Equal(3, error.Line);
        Assert.Contains("contact.frist_name", error.Reason);
        Assert.Contains("first_name", error.Reason); // names what contact has

        Assert.Equal(2, Single("a\n{{ user.name }}").Line);
        Assert.Contains("unknown variable 'user'", Single("{{ user.name }}").Reason);
        Assert.Empty(TemplateCheck.Parse("{{ user.name | default: \"you\" }}").Errors);
    }

    [Fact]
    public void A_custom_field_needs_a_fallback_because_some_contacts_lack_it()
    {
        var error = Single("x\ny\n{{ contact.custom.plan }}");
        Assert.Equal(3, error.Line);
        Assert.Contains("custom field", error.Reason);
        Assert.Empty(TemplateCheck.Parse("{{ contact.custom.plan | default: \"free\" }}").Errors);
    }

    [Fact]
    public void An_unknown_filter_is_refused_with_its_line()
    {
        var error = Single("Hi\n{{ contact.first_name | defualt: \"there\" }}");
        Assert.Equal(2, error.Line);
        Assert.Contains("unknown filter 'defualt'", error.Reason);
    }

    [Fact]
    public void Every_problem_of_a_part_is_reported()
    {
        var errors = TemplateCheck.Parse("{{ contact.nope }}\n{{ account.nope }}").Errors;
        Assert.Equal([1, 2], errors.Select(e => e.Line));
    }
}
