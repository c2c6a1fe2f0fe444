using System.Globalization;
using System.Text;
using Lifecycle.Contacts;
using Lifecycle.Storage;

namespace Lifecycle.Segments;

/// <summary>Why a definition does not parse: the 1-based character position and the reason.</summary>
public sealed class SegmentSyntaxException(int position, string reason) : Exception($"position {position}: {reason}")
{
    public int Position { get; } = position;
    public string Reason { get; } = reason;
}

/// <summary>
/// The segment filter language, parsed by hand so that every error names its position and reason:
/// <code>
/// filter     := or
/// or         := and ( "or" and )*
/// and        := unary ( "and" unary )*
/// unary      := "not" unary | "(" filter ")" | behaviour | comparison
/// comparison := field ( "=" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "contains" ) value
///             | field "in" "(" value ( "," value )* ")"
/// behaviour  := "did" [ "not" ] string [ "where" ( property | "(" property ( "and" property )* ")" ) ]
///               [ "at" "least" integer "times" ] [ "within" integer "days" ]
/// property   := name ( "=" | "!=" | "contains" ) value
/// value      := 'text' | "text" | number | true | false
/// </code>
/// Keywords are case-insensitive; text compares case-insensitively; event names match exactly. Example:
/// <c>account.employees &gt;= 200 and (did 'Demo Requested' within 30 days or did 'Page Viewed' where path contains '/pricing' at least 3 times)</c>
/// </summary>
public sealed class SegmentParser
{
    private enum Kind { Word, Text, Number, Symbol, End }

    private readonly record struct Token(Kind Kind, string Value, int Position);

    private readonly List<Token> _tokens;
    private int _next;

    private SegmentParser(List<Token> tokens) => _tokens = tokens;

    public static SegmentFilter Parse(string? definition)
    {
        if (string.IsNullOrWhiteSpace(definition)) throw new SegmentSyntaxException(1, "the definition is empty");
        if (definition.Length > 10_000) throw new SegmentSyntaxException(10_001, "the definition is longer than 10,000 characters");
        var parser = new SegmentParser(Tokenize(definition));
        var filter = parser.Or(0);
        var rest = parser.Peek;
        if (rest.Kind != Kind.End) throw new SegmentSyntaxException(rest.Position, $"unexpected {Describe(rest)}; expected 'and', 'or' or the end");
        return filter;
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private bool IsWord(string word) => Peek.Kind == Kind.Word && string.Equals(Peek.Value, word, StringComparison.OrdinalIgnoreCase);

    private bool IsSymbol(string symbol) => Peek.Kind == Kind.Symbol && Peek.Value == symbol;

    private Token Expect(Func<bool> test, string what)
    {
        if (!test()) throw new SegmentSyntaxException(Peek.Position, $"expected {what}, found {Describe(Peek)}");
        return Take();
    }

    private static string Describe(Token token) => token.Kind switch
    {
        Kind.End => "the end of the definition",
        Kind.Text => $"'{token.Value}'",
        _ => $"'{token.Value}'",
    };

    // Nesting is bounded so a hostile definition cannot overflow the stack.
    private const int MaxDepth = 64;

    private SegmentFilter Or(int depth)
    {
        var left = And(depth);
        while (IsWord("or"))
        {
            Take();
            left = new OrFilter(left, And(depth));
        }
        return left;
    }

    private SegmentFilter And(int depth)
    {
        var left = Unary(depth);
        while (IsWord("and"))
        {
            Take();
            left = new AndFilter(left, Unary(depth));
        }
        return left;
    }

    private SegmentFilter Unary(int depth)
    {
        if (depth > MaxDepth) throw new SegmentSyntaxException(Peek.Position, $"nested deeper than {MaxDepth} levels");
        if (IsWord("not"))
        {
            Take();
            return new NotFilter(Unary(depth + 1));
        }
        if (IsSymbol("("))
        {
            Take();
            var inner = Or(depth + 1);
            Expect(() => IsSymbol(")"), "')'");
            return inner;
        }
        if (IsWord("did")) return Behaviour();
        return Comparison();
    }

    private SegmentFilter Behaviour()
    {
        Take();
        var negated = false;
        if (IsWord("not")) { Take(); negated = true; }
        var name = Expect(() => Peek.Kind == Kind.Text, "an event name in quotes (did 'Demo Requested')");
        if (name.Value.Length == 0) throw new SegmentSyntaxException(name.Position, "the event name is empty");
        var where = new List<PropertyFilter>();
        if (IsWord("where"))
        {
            Take();
            if (IsSymbol("("))
            {
                Take();
                where.Add(Property());
                while (IsWord("and")) { Take(); where.Add(Property()); }
                Expect(() => IsSymbol(")"), "')' or 'and'");
            }
            else where.Add(Property());
        }
        var atLeast = 1;
        if (IsWord("at"))
        {
            Take();
            Expect(() => IsWord("least"), "'least' (at least N times)");
            atLeast = Count("a number of times");
            Expect(() => IsWord("times") || IsWord("time"), "'times'");
        }
        int? within = null;
        if (IsWord("within"))
        {
            Take();
            within = Count("a number of days");
            Expect(() => IsWord("days") || IsWord("day"), "'days'");
        }
        return new BehaviourFilter(negated, name.Value, where, atLeast, within);
    }

    private int Count(string what)
    {
        var token = Expect(() => Peek.Kind == Kind.Number, what);
        if (!int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 100_000)
            throw new SegmentSyntaxException(token.Position, $"'{token.Value}' is not a whole number from 1 to 100000");
        return n;
    }

    private PropertyFilter Property()
    {
        var name = Expect(() => Peek.Kind is Kind.Word or Kind.Text, "an event property name");
        if (name.Value.Length == 0 || name.Value.Length > 200) throw new SegmentSyntaxException(name.Position, "a property name has 1 to 200 characters");
        var op = Peek;
        string symbol;
        if (op.Kind == Kind.Symbol && op.Value is "=" or "!=") symbol = Take().Value;
        else if (IsWord("contains")) { Take(); symbol = "contains"; }
        else throw new SegmentSyntaxException(op.Position, $"expected '=', '!=' or 'contains' after property '{name.Value}', found {Describe(op)}");
        var value = Take();
        if (value.Kind is not (Kind.Text or Kind.Number) && !(value.Kind == Kind.Word && value.Value.ToLowerInvariant() is "true" or "false"))
            throw new SegmentSyntaxException(value.Position, $"expected a value after '{symbol}', found {Describe(value)}");
        return new PropertyFilter(name.Value, symbol, value.Value);
    }

    private SegmentFilter Comparison()
    {
        var name = Peek;
        if (name.Kind != Kind.Word)
            throw new SegmentSyntaxException(name.Position, $"expected a field, 'did', 'not' or '(', found {Describe(name)}");
        Take();
        var field = SegmentField.Find(name.Value.ToLowerInvariant())
            ?? throw new SegmentSyntaxException(name.Position,
                $"unknown field '{name.Value}' (known: {string.Join(", ", SegmentField.Known.Keys)}, custom.<key>, account.custom.<key>)");
        var op = Peek;
        string symbol;
        if (op.Kind == Kind.Symbol && op.Value is "=" or "!=" or "<" or "<=" or ">" or ">=") symbol = Take().Value;
        else if (IsWord("contains") || IsWord("in")) symbol = Take().Value.ToLowerInvariant();
        else throw new SegmentSyntaxException(op.Position, $"expected an operator (=, !=, <, <=, >, >=, contains, in) after '{field.Name}', found {Describe(op)}");

        var ordered = field.Type is FieldType.Number or FieldType.Instant;
        if (symbol is "<" or "<=" or ">" or ">=" && !ordered)
            throw new SegmentSyntaxException(op.Position, $"'{symbol}' compares numbers and instants; '{field.Name}' is {Article(field.Type)}");
        if (symbol == "contains" && field.Type != FieldType.Text)
            throw new SegmentSyntaxException(op.Position, $"'contains' applies to text; '{field.Name}' is {Article(field.Type)}");

        var values = new List<object>();
        if (symbol == "in")
        {
            Expect(() => IsSymbol("("), "'(' after 'in'");
            values.Add(Value(field));
            while (IsSymbol(",")) { Take(); values.Add(Value(field)); }
            Expect(() => IsSymbol(")"), "',' or ')'");
        }
        else values.Add(Value(field));
        return new FieldFilter(field, symbol, values);
    }

    private static string Article(FieldType type) => type switch
    {
        FieldType.Number => "a number",
        FieldType.Instant => "an instant",
        FieldType.Boolean => "true or false",
        FieldType.Status or FieldType.AccountStatus => "a status",
        _ => "text",
    };

    private object Value(SegmentField field)
    {
        var token = Take();
        if (token.Kind is Kind.End or Kind.Symbol) throw new SegmentSyntaxException(token.Position, $"expected a value for '{field.Name}', found {Describe(token)}");
        switch (field.Type)
        {
            case FieldType.Number:
                // A double, so SQLite compares it as a number (it binds decimals as text).
                if (token.Kind == Kind.Number && double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number;
                throw new SegmentSyntaxException(token.Position, $"'{field.Name}' is a number; '{token.Value}' is not");
            case FieldType.Instant:
                if (token.Kind == Kind.Text && Scoring.ScoringEndpoints.TryInstant(token.Value, out var instant)) return instant;
                throw new SegmentSyntaxException(token.Position, $"'{field.Name}' is an instant: give 'YYYY-MM-DD' or an ISO 8601 instant with an offset, not {Describe(token)}");
            case FieldType.Boolean:
                if (token.Kind == Kind.Word && bool.TryParse(token.Value, out var flag)) return flag;
                throw new SegmentSyntaxException(token.Position, $"'{field.Name}' is true or false, not {Describe(token)}");
            case FieldType.Status:
                if (token.Kind is Kind.Text or Kind.Word && ContactStatusNames.TryParse(token.Value, out var status)) return status.ToName();
                throw new SegmentSyntaxException(token.Position, $"'{token.Value}' is not a lifecycle status ({string.Join(", ", ContactStatusNames.All)})");
            case FieldType.AccountStatus:
                if (token.Kind is Kind.Text or Kind.Word && SnakeCase.TryParseEnum<AccountStatus>(token.Value, out var accountStatus)) return SnakeCase.Of(accountStatus.ToString());
                throw new SegmentSyntaxException(token.Position, $"'{token.Value}' is not an account status (prospect, opportunity, customer, churned)");
            default:
                if (token.Kind is Kind.Text or Kind.Number) return token.Value;
                throw new SegmentSyntaxException(token.Position, $"text values go in quotes: '{token.Value}'");
        }
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var position = i + 1;
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '\'' or '"')
            {
                // A quote inside is doubled: 'O''Brien'.
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new SegmentSyntaxException(position, $"text starting here has no closing {c}");
                    if (text[i] == c)
                    {
                        if (i + 1 < text.Length && text[i + 1] == c) { value.Append(c); i += 2; continue; }
                        i++;
                        break;
                    }
                    value.Append(text[i++]);
                }
                tokens.Add(new Token(Kind.Text, value.ToString(), position));
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i++;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
                tokens.Add(new Token(Kind.Number, text[start..i], position));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or '-')) i++;
                tokens.Add(new Token(Kind.Word, text[start..i], position));
            }
            else if (c is '(' or ')' or ',' or '=')
            {
                tokens.Add(new Token(Kind.Symbol, c.ToString(), position));
                i++;
            }
            else if (c is '<' or '>' or '!')
            {
                var two = i + 1 < text.Length && text[i + 1] == '=';
                if (c == '!' && !two) throw new SegmentSyntaxException(position, "'!' must be followed by '=' (!=)");
                tokens.Add(new Token(Kind.Symbol, two ? c + "=" : c.ToString(), position));
                i += two ? 2 : 1;
            }
            else throw new SegmentSyntaxException(position, $"unexpected character '{c}'");
        }
        tokens.Add(new Token(Kind.End, "", text.Length + 1));
        return tokens;
    }
}
