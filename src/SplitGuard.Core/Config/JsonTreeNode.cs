using System.Globalization;
using System.Text;

namespace SplitGuard.Core.Config;

/// <summary>
/// One value of a JSON document as read by <see cref="JsonTreeParser"/>, with the 1-based line and
/// column of its first character so that configuration errors can point at the source.
/// </summary>
public abstract class JsonTreeNode
{
    private protected JsonTreeNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the value's first character.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 code units) of the value's first character.</summary>
    public int Column { get; }

    /// <summary>The value as an error message shows it after "got": a short JSON excerpt or a kind.</summary>
    public abstract string Describe();
}

/// <summary>A JSON object. Properties keep their source order, duplicates included.</summary>
public sealed class JsonTreeObject(int line, int column, IReadOnlyList<JsonTreeProperty> properties)
    : JsonTreeNode(line, column)
{
    /// <summary>Every property as written, in order; a key may appear more than once.</summary>
    public IReadOnlyList<JsonTreeProperty> Properties { get; } = properties;

    /// <inheritdoc />
    public override string Describe() => "an object";
}

/// <summary>One <c>"key": value</c> pair of a <see cref="JsonTreeObject"/>; line and column are the key's.</summary>
public sealed record JsonTreeProperty(string Name, int Line, int Column, JsonTreeNode Value);

/// <summary>A JSON array.</summary>
public sealed class JsonTreeArray(int line, int column, IReadOnlyList<JsonTreeNode> items) : JsonTreeNode(line, column)
{
    /// <summary>The elements in order.</summary>
    public IReadOnlyList<JsonTreeNode> Items { get; } = items;

    /// <inheritdoc />
    public override string Describe() => "an array";
}

/// <summary>A JSON string, unescaped.</summary>
public sealed class JsonTreeString(int line, int column, string value) : JsonTreeNode(line, column)
{
    /// <summary>The unescaped text.</summary>
    public string Value { get; } = value;

    /// <inheritdoc />
    public override string Describe() => Quote(Value);

    /// <summary>Renders <paramref name="text"/> as a short double-quoted JSON string for messages.</summary>
    public static string Quote(string text)
    {
        const int max = 60;
        var shown = text.Length > max ? text[..max] : text;
        var sb = new StringBuilder(shown.Length + 2);
        sb.Append('"');
        foreach (var c in shown)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        if (text.Length > max)
        {
            sb.Append("...");
        }

        return sb.Append('"').ToString();
    }
}

/// <summary>A JSON number, kept as its source text so that no precision is lost.</summary>
public sealed class JsonTreeNumber(int line, int column, string text) : JsonTreeNode(line, column)
{
    /// <summary>The number exactly as written, e.g. <c>0.05</c> or <c>1e3</c>.</summary>
    public string Text { get; } = text;

    /// <summary>The value as a decimal, or null when it does not fit (beyond about ±7.9e28).</summary>
    public decimal? AsDecimal() =>
        decimal.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <inheritdoc />
    public override string Describe() => Text;
}

/// <summary>Which literal a <see cref="JsonTreeLiteral"/> is.</summary>
public enum JsonTreeLiteralKind
{
    Null = 0,
    True = 1,
    False = 2,
}

/// <summary>One of the JSON literals <c>true</c>, <c>false</c>, <c>null</c>.</summary>
public sealed class JsonTreeLiteral(int line, int column, JsonTreeLiteralKind kind) : JsonTreeNode(line, column)
{
    /// <summary>Which literal.</summary>
    public JsonTreeLiteralKind Kind { get; } = kind;

    /// <inheritdoc />
    public override string Describe() => Kind switch
    {
        JsonTreeLiteralKind.True => "true",
        JsonTreeLiteralKind.False => "false",
        _ => "null",
    };
}
