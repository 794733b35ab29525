//! Checking a request against the form rules of its channel (`POST /channel/formRule`) before it
//! is sent. Seed 004: "Different withdrawal channels (pay_code) may require different mandatory
//! fields ... call the /channel/formRule API to get the field requirements for that channel before
//! creating a withdrawal order." The rules arrive as data, so they are checked at run time, on
//! top of the spec's own rules (which the builders already checked).
//!
//! What each rule means here is documented on [`FormRuleResponseData::check`].

use paywire::validate::Rule;
use paywire::{ValidationError, ValidationErrors, WireFields};

use crate::{
    DepositRequest, FormRuleResponseData, FormRuleResponseDataFormFields, WithdrawRequest,
};

/// Option members that name a choice rather than identify it.
const DISPLAY_KEYS: &[&str] = &["name", "label"];

/// Option members that identify a choice when none is named after the field.
const ID_KEYS: &[&str] = &["id", "value", "code"];

impl FormRuleResponseData {
    /// Check outgoing `fields` against these rules, reporting every broken rule at once, each
    /// naming its field (the form field's `name`, which is the request's wire name).
    ///
    /// - **`pay_code`**: when the rules name a channel, the request's `pay_code` must be that
    ///   channel (an error naming `pay_code` otherwise). Rules that name no channel cannot be
    ///   matched and this check is skipped. The fields are still checked after a mismatch, so
    ///   every problem shows at once.
    /// - **required**: `required: true`, or `"required"` among `validation_rules`: the field must
    ///   be present and not empty or blank ([`Rule::Required`]). A field that is absent (or
    ///   blank) and not required is not checked further.
    /// - **`max_length`**, and **`"max:N"`** among `validation_rules`: at most that many
    ///   characters (Unicode scalar values, not bytes) ([`Rule::MaxLength`]). When both are given
    ///   the smaller applies. A `max_length` of zero or less is read as "no limit".
    /// - **`"min:N"`**: at least N characters ([`Rule::MinLength`]).
    /// - **`"integer"`**: ASCII digits only ([`Rule::Type`] `"a whole number"`); no sign, no
    ///   decimals, no spaces.
    /// - **`"string"`**: any text; nothing to check.
    /// - **`type: "select"`** with `options`: the value must be one of the options' values
    ///   ([`Rule::OneOf`]); see [`FormRuleResponseDataFormFields::option_values`] for which member
    ///   of an option object is its value. A select field whose `options` are null or an empty
    ///   list is not checked against options. Other types (`input`, ...) add no check.
    /// - Every other rule is ignored: the seed shows only `required`, `integer`, `string` and
    ///   `max:N`. These rules look like Laravel validation rules, so a channel may also send
    ///   `nullable`, `sometimes`, `numeric`, `digits:N`, `digits_between:A,B`, `size:N`,
    ///   `between:A,B`, `in:A,B`, `regex:...`, `alpha`, `alpha_num`, `email`, `url`, ...: none of
    ///   them is checked here (the gateway still checks them and answers
    ///   [`ErrorCode::ParameterError`](crate::ErrorCode::ParameterError)).
    ///   Rule names are matched without regard to case or surrounding spaces.
    ///
    /// Rules that cannot be read are reported rather than skipped, with [`Rule::Other`], so a
    /// request is never passed by rules that could not be checked: a form field without a
    /// `name` (reported as `form_fields[<index>]`), `max:`/`min:` without a whole number, or a
    /// select field whose `options` are not a list or carry no value. Nothing here panics.
    ///
    /// Note that in Laravel `max:N`/`min:N` compare the *value* of a field that is also
    /// `integer` or `numeric`; here they always count characters, as the seed's only example
    /// (`["required","string","max:50"]` beside `max_length: 50`) reads.
    ///
    /// Rules without `form_fields` check only the `pay_code`.
    pub fn check(&self, fields: &WireFields) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        self.check_pay_code(fields, &mut errors);
        for (index, rule) in self.form_fields.iter().flatten().enumerate() {
            rule.check_into(index, fields, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// [`Self::check`] a withdrawal as it would be sent ([`WithdrawRequest::to_wire`]).
    pub fn check_withdraw(&self, request: &WithdrawRequest) -> Result<(), ValidationErrors> {
        self.check(&request.to_wire())
    }

    /// [`Self::check`] a deposit as it would be sent ([`DepositRequest::to_wire`]).
    pub fn check_deposit(&self, request: &DepositRequest) -> Result<(), ValidationErrors> {
        self.check(&request.to_wire())
    }

    fn check_pay_code(&self, fields: &WireFields, errors: &mut Vec<ValidationError>) {
        let Some(expected) = self.pay_code.as_deref().filter(|c| !c.trim().is_empty()) else {
            return;
        };
        let message = match text_of(fields, "pay_code").filter(|c| !c.is_empty()) {
            Some(actual) if actual == expected => return,
            Some(actual) => {
                format!("the form rules are for pay_code {expected}, not {actual}")
            }
            None => format!("the form rules are for pay_code {expected}; the request names none"),
        };
        errors.push(ValidationError {
            field: "pay_code".to_owned(),
            rule: Rule::Other(message),
        });
    }
}

impl FormRuleResponseDataFormFields {
    /// The values a `select` field accepts, as text, in the order of `options`; `None` when
    /// there are no options (null, absent, or an empty list) or they cannot be read.
    ///
    /// The options of seed 004 are objects such as `{"bankID":1001,"name":"KB Kookmin Bank"}`:
    /// `name` is what a form shows and `bankID` is what goes in `bank_id`. The docs say only
    /// "use the values from options as choices", so the value of an option is chosen as follows:
    ///
    /// 1. an option that is a string or a number is its own value;
    /// 2. for an object, only members whose value is a string or a number count, and never
    ///    `name` or `label` (any case). Among them, in this order of preference:
    ///    - the member named like the field, ignoring case, `_` and `-` (`bankID` for `bank_id`);
    ///    - `id`, then `value`, then `code` (any case);
    ///    - otherwise the first member by key in ASCII order (a fixed order, so the choice does
    ///      not depend on how a JSON library keeps object keys).
    ///
    /// Options that yield no value (null, lists, objects with only `name`/`label`) are skipped.
    /// Numbers are written as in the JSON (`1001`), which is how an integer field is sent.
    ///
    /// ```
    /// # use paywire_intqp::FormRuleResponseDataFormFields;
    /// let field = FormRuleResponseDataFormFields {
    ///     name: Some("bank_id".into()),
    ///     label: None,
    ///     input_type: Some("select".into()),
    ///     required: Some(true),
    ///     max_length: None,
    ///     placeholder: None,
    ///     options: Some(
    ///         r#"[{"bankID":1001,"name":"KB Kookmin Bank"},{"name":"Shinhan","bankID":"1002"}]"#
    ///             .parse()
    ///             .unwrap(),
    ///     ),
    ///     validation_rules: None,
    ///     extra: Default::default(),
    /// };
    /// assert_eq!(field.option_values(), Some(vec!["1001".to_owned(), "1002".to_owned()]));
    /// ```
    pub fn option_values(&self) -> Option<Vec<String>> {
        match self.read_options() {
            Ok(Some(values)) if !values.is_empty() => Some(values),
            _ => None,
        }
    }

    /// `Ok(None)`: no options to check against (null, absent, empty list). `Err`: options given
    /// but unreadable (not a list). `Ok(Some(v))`: the values found (possibly none).
    fn read_options(&self) -> Result<Option<Vec<String>>, String> {
        let Some(options) = self.options.as_ref().filter(|o| !o.is_null()) else {
            return Ok(None);
        };
        let Some(items) = options.as_array() else {
            return Err("its options are not a list".to_owned());
        };
        if items.is_empty() {
            return Ok(None);
        }
        let field = self.name.as_deref().unwrap_or_default();
        let values = items
            .iter()
            .filter_map(|item| {
                if let Some(s) = item.as_str() {
                    return Some(s.to_owned());
                }
                if item.is_number() {
                    return Some(item.to_string());
                }
                let members = item.as_object()?;
                let mut keys: Vec<&String> = members
                    .iter()
                    .filter(|(k, v)| {
                        !DISPLAY_KEYS.iter().any(|d| k.eq_ignore_ascii_case(d))
                            && (v.is_string() || v.is_number())
                    })
                    .map(|(k, _)| k)
                    .collect();
                keys.sort();
                let named = keys.iter().find(|k| same_name(k, field));
                let id = || {
                    ID_KEYS
                        .iter()
                        .find_map(|id| keys.iter().find(|k| k.eq_ignore_ascii_case(id)))
                };
                let key = named.or_else(id).or(keys.first())?;
                let value = members.get(key.as_str())?;
                Some(match value.as_str() {
                    Some(s) => s.to_owned(),
                    None => value.to_string(),
                })
            })
            .collect();
        Ok(Some(values))
    }

    fn check_into(&self, index: usize, fields: &WireFields, errors: &mut Vec<ValidationError>) {
        let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            errors.push(ValidationError {
                field: format!("form_fields[{index}]"),
                rule: Rule::Other("the channel's form rule names no field".to_owned()),
            });
            return;
        };
        let mut err = |rule| {
            errors.push(ValidationError {
                field: name.to_owned(),
                rule,
            })
        };
        let rules = Parsed::from(self);
        for bad in &rules.unreadable {
            err(Rule::Other(format!(
                "the channel's rule `{bad}` cannot be read"
            )));
        }
        let is_select = self
            .input_type
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("select"));
        let options = if is_select {
            match self.read_options() {
                Ok(Some(values)) if values.is_empty() => {
                    err(Rule::Other(
                        "the channel's options for this field carry no value".to_owned(),
                    ));
                    None
                }
                Ok(values) => values,
                Err(why) => {
                    err(Rule::Other(format!(
                        "the channel's rule cannot be read: {why}"
                    )));
                    None
                }
            }
        } else {
            None
        };

        let Some(text) = text_of(fields, name).filter(|t| !t.trim().is_empty()) else {
            if rules.required {
                err(Rule::Required);
            }
            return;
        };
        if rules.integer && !text.chars().all(|c| c.is_ascii_digit()) {
            err(Rule::Type("a whole number"));
        }
        let len = text.chars().count();
        if let Some(max) = rules.max
            && len > max
        {
            err(Rule::MaxLength { max, actual: len });
        }
        if let Some(min) = rules.min
            && len < min
        {
            err(Rule::MinLength { min, actual: len });
        }
        if let Some(allowed) = options
            && !allowed.contains(&text)
        {
            err(Rule::OneOf(allowed));
        }
    }
}

/// The rules of one form field, combined from its members and its `validation_rules`.
#[derive(Default)]
struct Parsed {
    required: bool,
    integer: bool,
    max: Option<usize>,
    min: Option<usize>,
    /// Known rules whose argument cannot be read, verbatim.
    unreadable: Vec<String>,
}

impl From<&FormRuleResponseDataFormFields> for Parsed {
    fn from(f: &FormRuleResponseDataFormFields) -> Self {
        let mut p = Parsed {
            required: f.required == Some(true),
            max: f
                .max_length
                .and_then(|m| usize::try_from(m).ok())
                .filter(|&m| m > 0),
            ..Parsed::default()
        };
        for rule in f.validation_rules.iter().flatten() {
            let (name, arg) = match rule.split_once(':') {
                Some((n, a)) => (n.trim(), Some(a.trim())),
                None => (rule.trim(), None),
            };
            let number = || arg.and_then(|a| a.parse::<usize>().ok());
            match name.to_ascii_lowercase().as_str() {
                "required" => p.required = true,
                "integer" => p.integer = true,
                "max" => match number() {
                    Some(n) => p.max = Some(p.max.map_or(n, |m| m.min(n))),
                    None => p.unreadable.push(rule.clone()),
                },
                "min" => match number() {
                    Some(n) => p.min = Some(p.min.map_or(n, |m| m.max(n))),
                    None => p.unreadable.push(rule.clone()),
                },
                _ => {}
            }
        }
        p
    }
}

/// The text a field is sent with (None when absent or null).
fn text_of(fields: &WireFields, name: &str) -> Option<String> {
    fields.get(name).and_then(|v| v.text())
}

/// `bankID` and `bank_id` name the same thing.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    !b.is_empty() && norm(a) == norm(b)
}
