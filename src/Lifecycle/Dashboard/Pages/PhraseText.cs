using Lifecycle.Dashboard.Views;
using Microsoft.Extensions.Localization;

namespace Lifecycle.Dashboard.Pages;

/// <summary>A phrase in the reader's language: its arguments that are phrases are translated first.</summary>
public static class PhraseText
{
    public static string Say(this IStringLocalizer text, Phrase phrase) =>
        text[phrase.Format, phrase.Args.Select(a => a is Phrase inner ? text.Say(inner) : a ?? "").ToArray()];
}
