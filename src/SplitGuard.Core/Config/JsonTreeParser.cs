using System.Text;
using System.Text.Json;

namespace SplitGuard.Core.Config;

/// <summary>
/// Reads one JSON document with System.Text.Json's <see cref="Utf8JsonReader"/> (RFC 8259 plus <c>//</c> and
/// <c>/* */</c> comments, which an operator's config needs and .NET's own appsettings.json allows; no trailing commas) into a <see cref="JsonTreeNode"/> tree that keeps what the reader alone does not: the line and
/// column of every value and key (from a line table over the UTF-8 bytes) and duplicate keys (so the caller can
/// report them). A syntax error throws <see cref="JsonSyntaxException"/> at the position the reader reports, with the
/// JSON path being read and a message saying what was expected (<see cref="Diagnose"/>, instead of the reader's own).
/// </summary>
public static class JsonTreeParser
{
    /// <summary>Nesting deeper than this is refused (a config never needs it; it guards the stack).</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        MaxDepth = MaxDepth,
    };

    /// <summary>Parses one JSON document.</summary>
    /// <exception cref="JsonSyntaxException">The text is not valid JSON.</exception>
    public static JsonTreeNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // A byte order mark is not part of the document: columns count from the character after it, as editors show them.
        var body = text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        var document = new Document(body);
        var stack = new List<Frame>();
        JsonTreeNode? root = null;
        var reader = new Utf8JsonReader(document.Bytes, Options);
        try
        {
            while (reader.Read())
            {
                var (line, column) = document.Position(reader.TokenStartIndex);
                var top = stack.Count > 0 ? stack[^1] : null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        top!.Key = (reader.GetString()!, line, column);
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        stack.Add(new Frame(reader.TokenType == JsonTokenType.StartObject, line, column, top?.ChildPath() ?? JsonPathText.Root));
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        Add(stack, top!.Close(), ref root);
                        continue;
                    case JsonTokenType.String:
                        Add(stack, new JsonTreeString(line, column, StringOf(ref reader, document, top)), ref root);
                        continue;
                    case JsonTokenType.Number:
                        Add(stack, new JsonTreeNumber(line, column, Encoding.UTF8.GetString(reader.ValueSpan)), ref root);
                        continue;
                    case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                        var kind = reader.TokenType switch
                        {
                            JsonTokenType.True => JsonTreeLiteralKind.True,
                            JsonTokenType.False => JsonTreeLiteralKind.False,
                            _ => JsonTreeLiteralKind.Null,
                        };
                        Add(stack, new JsonTreeLiteral(line, column, kind), ref root);
                        continue;
                    default:
                        continue;
                }
            }
        }
        catch (JsonException e)
        {
            var offset = document.Offset((int)(e.LineNumber ?? 0), (int)(e.BytePositionInLine ?? 0));
            throw Diagnose(document, offset, (int)reader.TokenStartIndex, stack, root is not null);
        }

        return root ?? throw Error(document, document.Bytes.Length, JsonPathText.Root, "the document is empty: expected a JSON object");
    }

    private static void Add(List<Frame> stack, JsonTreeNode node, ref JsonTreeNode? root)
    {
        if (stack.Count == 0)
        {
            root = node;
        }
        else
        {
            stack[^1].Add(node);
        }
    }

    private static string StringOf(ref Utf8JsonReader reader, Document document, Frame? top)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escape that leaves half of a surrogate pair: valid for the reader, not text.
            throw Error(document, (int)reader.TokenStartIndex, top?.ChildPath() ?? JsonPathText.Root,
                "invalid \\u escape in a string: an unpaired surrogate (\\uD800 to \\uDFFF must come in pairs)");
        }
    }

    /// <summary>
    /// Says what is wrong at <paramref name="offset"/> (where the reader stopped) in the friendly words of a config
    /// error: what was expected there, given what was open (<paramref name="stack"/>) and what the failing token
    /// (from <paramref name="tokenStart"/>) looks like.
    /// </summary>
    private static JsonSyntaxException Diagnose(Document document, int offset, int tokenStart, List<Frame> stack, bool rootDone)
    {
        var text = document.Text;
        var top = stack.Count > 0 ? stack[^1] : null;
        var at = document.CharIndex(offset);
        var token = document.CharIndex(tokenStart);

        // Where the failing token begins, and whether a comma came before it (the reader may have consumed the comma
        // already, or stopped on it).
        var start = SkipWhitespace(text, token);
        var before = token - 1;
        while (before >= 0 && text[before] is ' ' or '\t' or '\r' or '\n')
        {
            before--;
        }

        var afterComma = top is not null && top.Count > 0 && before >= 0 && text[before] == ',';
        if (!afterComma && start < text.Length && text[start] == ',' && top is not null && top.Count > 0)
        {
            afterComma = true;
            start = SkipWhitespace(text, start + 1);
        }

        JsonSyntaxException Fail(string path, string message) => Error(document, offset, path, message);

        if (top is null)
        {
            if (rootDone)
            {
                return Fail(JsonPathText.Root, $"unexpected {Describe(text, at)} after the end of the JSON document");
            }

            return SkipWhitespace(text, 0) >= text.Length
                ? Fail(JsonPathText.Root, "the document is empty: expected a JSON object")
                : Value(text, start, JsonPathText.Root, Fail) ?? Fail(JsonPathText.Root, $"unexpected {Describe(text, at)}");
        }

        if (stack.Count >= MaxDepth && start < text.Length && text[start] is '{' or '[')
        {
            return Fail(top.ChildPath(), $"nesting deeper than {MaxDepth} levels");
        }

        var expectingValue = top.Key is not null || (!top.IsObject && (top.Count == 0 || afterComma));
        if (expectingValue)
        {
            if (!top.IsObject && afterComma && start < text.Length && text[start] == ']')
            {
                return Fail(top.Path, "a comma before ']' is not allowed in JSON (trailing comma)");
            }

            if (start >= text.Length)
            {
                return Unclosed(top, Fail);
            }

            if (Value(text, start, top.ChildPath(), Fail) is { } problem)
            {
                return problem;
            }

            // The value itself is whole: the document ends inside its container.
            return Unclosed(top, Fail);
        }

        if (top.IsObject && (top.Count == 0 || afterComma))
        {
            // A key was expected.
            if (start >= text.Length)
            {
                return Unclosed(top, Fail);
            }

            switch (text[start])
            {
                case '}' when afterComma:
                    return Fail(top.Path, "a comma before '}' is not allowed in JSON (trailing comma)");
                case '\'':
                    return Fail(top.Path, "keys must be in double quotes (\"key\"), not single quotes");
                case '"':
                    if (StringProblem(text, start) is { } bad)
                    {
                        return Fail(top.Path, bad);
                    }

                    var key = UnescapedKey(text, start, out var end);
                    var colon = SkipWhitespace(text, end);
                    return Fail(top.Path, $"expected ':' after the key {JsonTreeString.Quote(key)}, got {Describe(text, colon)}");
                default:
                    return Fail(top.Path, $"expected a key in double quotes, got {Describe(text, start)}");
            }
        }

        // After a value: a comma or the container's end was expected.
        if (start >= text.Length)
        {
            return Unclosed(top, Fail);
        }

        return top.IsObject
            ? Fail(top.Path, $"expected ',' or '}}' after the value of {JsonTreeString.Quote(top.LastKey ?? string.Empty)}, got {Describe(text, start)}")
            : Fail(top.Path, $"expected ',' or ']' after an array element, got {Describe(text, start)}");
    }

    private static JsonSyntaxException Unclosed(Frame frame, Func<string, string, JsonSyntaxException> fail) =>
        fail(frame.Path, frame.IsObject
            ? $"unexpected end of file: the object opened at line {frame.Line}, column {frame.Column} is not closed with '}}'"
            : $"unexpected end of file: the array opened at line {frame.Line}, column {frame.Column} is not closed with ']'");

    /// <summary>What is wrong with the value that starts at <paramref name="start"/>, or null when it reads whole.</summary>
    private static JsonSyntaxException? Value(string text, int start, string path, Func<string, string, JsonSyntaxException> fail)
    {
        if (start >= text.Length)
        {
            return fail(path, "unexpected end of file: expected a value");
        }

        var c = text[start];
        switch (c)
        {
            case '"':
                return StringProblem(text, start) is { } bad ? fail(path, bad) : null;
            case '-' or (>= '0' and <= '9'):
                return NumberProblem(text, start) is { } wrong ? fail(path, wrong) : null;
            case '.':
                return fail(path, "a number must start with a digit (write 0.5, not .5)");
            case '\'':
                return fail(path, "strings must be in double quotes (\"...\"), not single quotes");
            case '/':
                return fail(path, "a '/' that starts no comment (comments are // to the end of the line, or /* ... */)");
            case '}' or ']' or ',' or ':':
                return fail(path, $"expected a value (object, array, string, number, true, false or null), got '{c}'");
            case '{' or '[':
                return null;
        }

        var end = start;
        while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] is '_' or '-' or '.'))
        {
            end++;
        }

        var word = text[start..end];
        if (word is "true" or "false" or "null")
        {
            return null;
        }

        if (word.Length == 0)
        {
            return fail(path, $"expected a value (object, array, string, number, true, false or null), got {Describe(text, start)}");
        }

        var lower = word.ToLowerInvariant();
        var hint = lower is "true" or "false" or "null" ? $" (JSON literals are lowercase: {lower})" : " (strings must be in double quotes)";
        return fail(path, $"unexpected word '{word}': expected a value{hint}");
    }

    /// <summary>What is wrong with the string that starts at <paramref name="start"/> (a '"'), or null.</summary>
    private static string? StringProblem(string text, int start)
    {
        var (line, column) = LineColumnOf(text, start);
        for (var i = start + 1; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    return null;
                case '\n' or '\r':
                    return $"line break inside the string started at line {line}, column {column} (missing closing '\"'?)";
                case < (char)0x20:
                    return $"control character U+{(int)c:X4} inside a string (write it as an escape such as \\t)";
                case '\\':
                    if (++i >= text.Length)
                    {
                        return "unexpected end of file after '\\' in a string";
                    }

                    if (text[i] == 'u')
                    {
                        if (i + 4 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2])
                            || !char.IsAsciiHexDigit(text[i + 3]) || !char.IsAsciiHexDigit(text[i + 4]))
                        {
                            return "expected four hex digits after \\u";
                        }

                        i += 4;
                    }
                    else if (text[i] is not ('"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't'))
                    {
                        return $"invalid escape '\\{text[i]}' in a string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)";
                    }

                    break;
            }
        }

        return $"unexpected end of file: the string started at line {line}, column {column} is not closed with '\"'";
    }

    /// <summary>What is wrong with the number that starts at <paramref name="start"/>, or null.</summary>
    private static string? NumberProblem(string text, int start)
    {
        var i = start;
        if (text[i] == '-')
        {
            i++;
        }

        if (i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return "invalid number: expected a digit after '-'";
        }

        if (text[i] == '0' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))
        {
            return "invalid number: leading zeros are not allowed in JSON";
        }

        i = Digits(text, i);
        if (i < text.Length && text[i] == '.')
        {
            if (i + 1 >= text.Length || !char.IsAsciiDigit(text[i + 1]))
            {
                return "invalid number: expected a digit after '.'";
            }

            i = Digits(text, i + 1);
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                return "invalid number: expected a digit in the exponent";
            }

            i = Digits(text, i);
        }

        return i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] is '_' or '.')
            ? $"invalid number: unexpected '{text[i]}' (strings must be in double quotes)"
            : null;
    }

    private static int Digits(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>The key that starts at <paramref name="start"/>, unescaped (a string without problems), and its end.</summary>
    private static string UnescapedKey(string text, int start, out int end)
    {
        var quoted = new StringBuilder();
        end = start + 1;
        while (end < text.Length && text[end] != '"')
        {
            if (text[end] == '\\')
            {
                quoted.Append(text[end++]);
            }

            quoted.Append(text[end++]);
        }

        end++;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("\"" + quoted + "\""));
        reader.Read();
        return reader.GetString() ?? string.Empty;
    }

    private static (int Line, int Column) LineColumnOf(string text, int index)
    {
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        var line = 1 + text.AsSpan(0, lineStart).Count('\n');
        return (line, index - lineStart + 1);
    }

    private static int SkipWhitespace(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\r' or '\n')
        {
            i++;
        }

        return i;
    }

    private static string Describe(string text, int i)
    {
        if (i >= text.Length)
        {
            return "end of file";
        }

        var c = text[i];
        return c switch
        {
            '\'' => "a single quote (strings and keys need double quotes)",
            '/' => "'/' (comments are // to the end of the line, or /* ... */)",
            _ when c < 0x20 => $"control character U+{(int)c:X4}",
            _ => $"'{c}'",
        };
    }

    private static JsonSyntaxException Error(Document document, int offset, string path, string message)
    {
        var (line, column) = document.Position(offset);
        return new JsonSyntaxException(line, column, path, message);
    }

    /// <summary>The text, its UTF-8 bytes and where each line starts in them.</summary>
    private sealed class Document
    {
        private readonly List<int> _lineStarts = [0];

        public Document(string text)
        {
            Text = text;
            Bytes = Encoding.UTF8.GetBytes(text);
            for (var i = 0; i < Bytes.Length; i++)
            {
                if (Bytes[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public string Text { get; }

        public byte[] Bytes { get; }

        /// <summary>The byte offset of 0-based <paramref name="line"/> and byte position in it, as the reader reports them.</summary>
        public int Offset(int line, int bytePosition) =>
            Math.Min(Bytes.Length, _lineStarts[Math.Clamp(line, 0, _lineStarts.Count - 1)] + bytePosition);

        /// <summary>1-based line and column (UTF-16 code units, as the text shows) of a byte offset.</summary>
        public (int Line, int Column) Position(long offset)
        {
            var at = (int)Math.Min(offset, Bytes.Length);
            var index = _lineStarts.BinarySearch(at);
            var line = index >= 0 ? index : ~index - 1;
            return (line + 1, Encoding.UTF8.GetCharCount(Bytes, _lineStarts[line], at - _lineStarts[line]) + 1);
        }

        /// <summary>The index in <see cref="Text"/> of a byte offset.</summary>
        public int CharIndex(int offset) => Encoding.UTF8.GetCharCount(Bytes, 0, Math.Min(offset, Bytes.Length));
    }

    /// <summary>An object or array being read: its position and path, what it holds so far, the key awaiting its value.</summary>
    private sealed class Frame(bool isObject, int line, int column, string path)
    {
        private readonly List<JsonTreeProperty> _properties = [];
        private readonly List<JsonTreeNode> _items = [];

        public bool IsObject { get; } = isObject;

        public int Line { get; } = line;

        public int Column { get; } = column;

        public string Path { get; } = path;

        /// <summary>The key read, whose value comes next (objects).</summary>
        public (string Name, int Line, int Column)? Key { get; set; }

        /// <summary>The last key whose value was read (for "after the value of").</summary>
        public string? LastKey { get; private set; }

        public int Count => IsObject ? _properties.Count : _items.Count;

        /// <summary>The path of the value read next: the key's, or the next index.</summary>
        public string ChildPath() => IsObject
            ? Key is { } key ? JsonPathText.Key(Path, key.Name) : Path
            : JsonPathText.Index(Path, _items.Count);

        public void Add(JsonTreeNode node)
        {
            if (IsObject)
            {
                var (name, line, column) = Key!.Value;
                _properties.Add(new JsonTreeProperty(name, line, column, node));
                LastKey = name;
                Key = null;
            }
            else
            {
                _items.Add(node);
            }
        }

        public JsonTreeNode Close() => IsObject ? new JsonTreeObject(Line, Column, _properties) : new JsonTreeArray(Line, Column, _items);
    }
}
