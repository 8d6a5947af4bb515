using System.Globalization;
using System.Text;

namespace SplitGuard.Core.Config;

/// <summary>
/// A strict RFC 8259 JSON parser that keeps the line and column of every value and every key, and
/// keeps duplicate keys (so the caller can report them). <c>System.Text.Json</c> reports neither.
/// Syntax errors throw <see cref="JsonSyntaxException"/> with line, column, the JSON path being
/// read and a message saying what was expected.
/// </summary>
public sealed class JsonTreeParser
{
    /// <summary>Nesting deeper than this is refused (a config never needs it; it guards the stack).</summary>
    public const int MaxDepth = 64;

    private readonly string _text;
    private readonly List<string> _path = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private JsonTreeParser(string text)
    {
        _text = text;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            _pos = 1;
            _lineStart = 1;
        }
    }

    /// <summary>Parses one JSON document.</summary>
    /// <exception cref="JsonSyntaxException">The text is not valid JSON.</exception>
    public static JsonTreeNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new JsonTreeParser(text);
        parser.SkipWhitespace();
        if (parser.AtEnd)
        {
            throw parser.Error("the document is empty: expected a JSON object");
        }

        var root = parser.ParseValue(0);
        parser.SkipWhitespace();
        if (!parser.AtEnd)
        {
            throw parser.Error($"unexpected {parser.DescribeCurrent()} after the end of the JSON document");
        }

        return root;
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Current => _text[_pos];

    private int Column => _pos - _lineStart + 1;

    private string CurrentPath => JsonPathText.Root + string.Concat(_path);

    private JsonTreeNode ParseValue(int depth)
    {
        if (AtEnd)
        {
            throw Error("unexpected end of file: expected a value");
        }

        if (depth >= MaxDepth)
        {
            throw Error($"nesting deeper than {MaxDepth} levels");
        }

        var c = Current;
        switch (c)
        {
            case '{':
                return ParseObject(depth);
            case '[':
                return ParseArray(depth);
            case '"':
                {
                    var (line, column) = (_line, Column);
                    return new JsonTreeString(line, column, ParseString());
                }

            case '-':
                return ParseNumber();
            case '.':
                throw Error("a number must start with a digit (write 0.5, not .5)");
            case '\'':
                throw Error("strings must be in double quotes (\"...\"), not single quotes");
            case '/':
                throw Error("comments are not allowed in JSON");
            case '}':
            case ']':
            case ',':
            case ':':
                throw Error($"expected a value (object, array, string, number, true, false or null), got '{c}'");
            default:
                if (char.IsAsciiDigit(c))
                {
                    return ParseNumber();
                }

                return ParseLiteral();
        }
    }

    private JsonTreeObject ParseObject(int depth)
    {
        var (line, column) = (_line, Column);
        _pos++;
        var properties = new List<JsonTreeProperty>();
        SkipWhitespace();
        if (!AtEnd && Current == '}')
        {
            _pos++;
            return new JsonTreeObject(line, column, properties);
        }

        while (true)
        {
            if (AtEnd)
            {
                throw Error($"unexpected end of file: the object opened at line {line}, column {column} is not closed with '}}'");
            }

            if (Current != '"')
            {
                throw Current == '}' && properties.Count > 0
                    ? Error("a comma before '}' is not allowed in JSON (trailing comma)")
                    : Current == '\''
                        ? Error("keys must be in double quotes (\"key\"), not single quotes")
                        : Error($"expected a key in double quotes, got {DescribeCurrent()}");
            }

            var (keyLine, keyColumn) = (_line, Column);
            var key = ParseString();
            SkipWhitespace();
            if (AtEnd || Current != ':')
            {
                throw Error($"expected ':' after the key {JsonTreeString.Quote(key)}, got {DescribeCurrent()}");
            }

            _pos++;
            SkipWhitespace();
            _path.Add(JsonPathText.Key(string.Empty, key));
            var value = ParseValue(depth + 1);
            _path.RemoveAt(_path.Count - 1);
            properties.Add(new JsonTreeProperty(key, keyLine, keyColumn, value));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error($"unexpected end of file: the object opened at line {line}, column {column} is not closed with '}}'");
            }

            if (Current == ',')
            {
                _pos++;
                SkipWhitespace();
                continue;
            }

            if (Current == '}')
            {
                _pos++;
                return new JsonTreeObject(line, column, properties);
            }

            throw Error($"expected ',' or '}}' after the value of {JsonTreeString.Quote(key)}, got {DescribeCurrent()}");
        }
    }

    private JsonTreeArray ParseArray(int depth)
    {
        var (line, column) = (_line, Column);
        _pos++;
        var items = new List<JsonTreeNode>();
        SkipWhitespace();
        if (!AtEnd && Current == ']')
        {
            _pos++;
            return new JsonTreeArray(line, column, items);
        }

        while (true)
        {
            if (AtEnd)
            {
                throw Error($"unexpected end of file: the array opened at line {line}, column {column} is not closed with ']'");
            }

            if (Current == ']' && items.Count > 0)
            {
                throw Error("a comma before ']' is not allowed in JSON (trailing comma)");
            }

            _path.Add(JsonPathText.Index(string.Empty, items.Count));
            items.Add(ParseValue(depth + 1));
            _path.RemoveAt(_path.Count - 1);
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error($"unexpected end of file: the array opened at line {line}, column {column} is not closed with ']'");
            }

            if (Current == ',')
            {
                _pos++;
                SkipWhitespace();
                continue;
            }

            if (Current == ']')
            {
                _pos++;
                return new JsonTreeArray(line, column, items);
            }

            throw Error($"expected ',' or ']' after an array element, got {DescribeCurrent()}");
        }
    }

    private string ParseString()
    {
        var (line, column) = (_line, Column);
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw Error($"unexpected end of file: the string started at line {line}, column {column} is not closed with '\"'");
            }

            var c = Current;
            if (c == '"')
            {
                _pos++;
                return sb.ToString();
            }

            if (c == '\n' || c == '\r')
            {
                throw Error($"line break inside the string started at line {line}, column {column} (missing closing '\"'?)");
            }

            if (c < 0x20)
            {
                throw Error($"control character U+{(int)c:X4} inside a string (write it as an escape such as \\t)");
            }

            if (c != '\\')
            {
                sb.Append(c);
                _pos++;
                continue;
            }

            _pos++;
            if (AtEnd)
            {
                throw Error("unexpected end of file after '\\' in a string");
            }

            var e = Current;
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 >= _text.Length)
                    {
                        throw Error("expected four hex digits after \\u");
                    }

                    if (!int.TryParse(_text.AsSpan(_pos + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("expected four hex digits after \\u");
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error($"invalid escape '\\{e}' in a string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }

            _pos++;
        }
    }

    private JsonTreeNumber ParseNumber()
    {
        var (line, column) = (_line, Column);
        var start = _pos;
        if (Current == '-')
        {
            _pos++;
        }

        if (AtEnd || !char.IsAsciiDigit(Current))
        {
            throw Error("invalid number: expected a digit after '-'");
        }

        if (Current == '0')
        {
            _pos++;
            if (!AtEnd && char.IsAsciiDigit(Current))
            {
                throw Error("invalid number: leading zeros are not allowed in JSON");
            }
        }
        else
        {
            SkipDigits();
        }

        if (!AtEnd && Current == '.')
        {
            _pos++;
            if (AtEnd || !char.IsAsciiDigit(Current))
            {
                throw Error("invalid number: expected a digit after '.'");
            }

            SkipDigits();
        }

        if (!AtEnd && (Current == 'e' || Current == 'E'))
        {
            _pos++;
            if (!AtEnd && (Current == '+' || Current == '-'))
            {
                _pos++;
            }

            if (AtEnd || !char.IsAsciiDigit(Current))
            {
                throw Error("invalid number: expected a digit in the exponent");
            }

            SkipDigits();
        }

        if (!AtEnd && (char.IsAsciiLetter(Current) || Current == '_' || Current == '.'))
        {
            throw Error($"invalid number: unexpected '{Current}' (strings must be in double quotes)");
        }

        return new JsonTreeNumber(line, column, _text[start.._pos]);
    }

    private void SkipDigits()
    {
        while (!AtEnd && char.IsAsciiDigit(Current))
        {
            _pos++;
        }
    }

    private JsonTreeLiteral ParseLiteral()
    {
        var (line, column) = (_line, Column);
        var start = _pos;
        while (!AtEnd && (char.IsLetterOrDigit(Current) || Current == '_' || Current == '-' || Current == '.'))
        {
            _pos++;
        }

        var word = _text[start.._pos];
        JsonTreeLiteralKind? kind = word switch
        {
            "true" => JsonTreeLiteralKind.True,
            "false" => JsonTreeLiteralKind.False,
            "null" => JsonTreeLiteralKind.Null,
            _ => null,
        };
        if (kind is { } k)
        {
            return new JsonTreeLiteral(line, column, k);
        }

        _pos = start;
        if (word.Length == 0)
        {
            throw Error($"expected a value (object, array, string, number, true, false or null), got {DescribeCurrent()}");
        }

        var lower = word.ToLowerInvariant();
        var hint = lower is "true" or "false" or "null"
            ? $" (JSON literals are lowercase: {lower})"
            : " (strings must be in double quotes)";
        throw Error($"unexpected word '{word}': expected a value{hint}");
    }

    private void SkipWhitespace()
    {
        while (!AtEnd)
        {
            var c = Current;
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c == ' ' || c == '\t' || c == '\r')
            {
                _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private string DescribeCurrent()
    {
        if (AtEnd)
        {
            return "end of file";
        }

        var c = Current;
        return c switch
        {
            '\'' => "a single quote (strings and keys need double quotes)",
            '/' => "'/' (comments are not allowed in JSON)",
            _ when c < 0x20 => $"control character U+{(int)c:X4}",
            _ => $"'{c}'",
        };
    }

    private JsonSyntaxException Error(string message) => new(_line, Column, CurrentPath, message);
}
