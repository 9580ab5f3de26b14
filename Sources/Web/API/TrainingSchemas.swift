import Domain
import Features
import Foundation

/// The training resources, each described once. A course's questions never carry which choice is
/// right, nor the explanation, until the caller may see them (`CourseView.revealed`).
enum TrainingShapes {
    typealias F = ResourceField

    static let bilingual = ResourceShape<Bilingual>("Bilingual", description: "A text in Japanese and English", [F.text("ja", \.ja), F.text("en", \.en)])
    static let section = ResourceShape<Course.Section>("CourseSection", [F.nested("title", bilingual, \.title), F.nested("body", bilingual, \.body)])
    static let link = ResourceShape<Course.Link>("CourseLink", [F.text("title", \.title), F.text("url", \.url)])

    static let courseFields: [ResourceField<Course>] = [
        F.id("id", \.id), F.int("number", \.number, minimum: 1), F.text("code", \.code), F.nested("title", bilingual, \.title),
        F.nested("summary", bilingual, \.summary), F.int("passingScore", \.passingScore, minimum: 1), F.int("attemptsAllowed", \.attemptsAllowed, minimum: 0),
        F.int("estimatedMinutes", \.estimatedMinutes, minimum: 1), F.int("validityMonths", \.validityMonths, minimum: 0), F.texts("references", \.references),
        F.text("templateKey", \.templateKey), F.bool("isArchived", \.isArchived),
        F.custom("questionCount", schema: .integer(minimum: 0)) { w, c in w.int(c.questions.count) },
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let course = ResourceShape<Course>("Course", courseFields)

    static let choiceSchema: JSON = .object([("id", .string()), ("text", .ref("Bilingual")),
                                             ("correct", ["type": ["boolean", "null"], "description": "null until the caller may see the answer key"])],
                                            required: ["id", "text", "correct"])
    static let questionSchema: JSON = .object([("id", .string()), ("kind", .string(enumValues: Course.Question.Kind.allCases.map(\.rawValue))),
                                               ("text", .ref("Bilingual")), ("choices", .array(of: choiceSchema)),
                                               ("explanation", ["oneOf": [.ref("Bilingual"), ["type": "null"]]])],
                                              required: ["id", "kind", "text", "choices", "explanation"])

    static func writeBilingual(_ w: inout JSONWriter, _ text: Bilingual) { bilingual.resource(text).write(&w) }

    static let detail = ResourceShape<CourseView>("CourseDetail",
        courseFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.course) } } + [
            F.list("sections", section, \.course.sections), F.list("links", link, \.course.links),
            F.custom("files", schema: .array(of: .object([("id", .string(format: "uuid")), ("name", .string(nullable: true))], required: ["id", "name"]))) { w, v in
                w.array(v.files) { w, file in w.object { w in w.field("id", file.id.description); w.field("name", file.fileName) } }
            },
            F.bool("revealed", \.revealed),
            F.custom("questions", schema: .array(of: questionSchema)) { w, v in
                w.array(v.course.questions) { w, q in
                    w.object { w in
                        w.field("id", q.id); w.field("kind", q.kind.rawValue)
                        w.key("text"); writeBilingual(&w, q.text)
                        w.key("choices")
                        w.array(q.choices) { w, choice in
                            w.object { w in
                                w.field("id", choice.id)
                                w.key("text"); writeBilingual(&w, choice.text)
                                w.key("correct"); if v.revealed { w.bool(choice.correct) } else { w.string(nil) }
                            }
                        }
                        w.key("explanation"); if v.revealed { writeBilingual(&w, q.explanation) } else { w.string(nil) }
                    }
                }
            },
            F.custom("myAttempts", schema: .array(of: .object([("id", .string(format: "uuid")), ("score", .integer(minimum: 0)), ("passed", ["type": "boolean"]),
                                                              ("submittedAt", .string(format: "date-time"))], required: ["id", "score", "passed", "submittedAt"]))) { w, v in
                w.array(v.attempts) { w, a in w.object { w in w.field("id", a.id.description); w.field("score", a.score); w.field("passed", a.passed); w.field("submittedAt", a.submittedAt) } }
            },
        ])

    static let result = ResourceShape<AttemptResult>("AttemptResult", [
        F.id("id", \.attempt.id), F.id("courseId", \.attempt.courseID), F.id("campaignId", \.attempt.campaignID), F.id("userId", \.attempt.userID),
        F.int("score", \.attempt.score, minimum: 0), F.bool("passed", \.attempt.passed), F.int("passingScore", \.course.passingScore, minimum: 1),
        F.timestamp("submittedAt", \.attempt.submittedAt), F.int("attemptsLeft", \.attemptsLeft),
        F.custom("questions", schema: .array(of: .object([("id", .string()), ("right", ["type": "boolean"]), ("chosen", .array(of: .string())),
                                                          ("correctChoices", .array(of: .string())), ("explanation", .ref("Bilingual"))],
                                                         required: ["id", "right", "chosen", "correctChoices", "explanation"]))) { w, r in
            w.array(r.course.questions) { w, q in
                w.object { w in
                    w.field("id", q.id); w.field("right", !r.attempt.missed.contains(q.id))
                    w.field("chosen", strings: r.attempt.answers[q.id] ?? []); w.field("correctChoices", strings: q.correctChoices.sorted())
                    w.key("explanation"); writeBilingual(&w, q.explanation)
                }
            }
        },
    ])

    static let attempt = ResourceShape<Attempt>("Attempt", [
        F.id("id", \.id), F.id("courseId", \.courseID), F.id("campaignId", \.campaignID), F.id("userId", \.userID), F.int("score", \.score, minimum: 0),
        F.bool("passed", \.passed), F.texts("missed", \.missed), F.int("courseVersion", \.courseVersion, minimum: 1), F.timestamp("submittedAt", \.submittedAt),
    ])

    static let campaignFields: [ResourceField<Campaign>] = [
        F.id("id", \.id), F.int("number", \.number, minimum: 1), F.text("title", \.title), F.id("courseId", \.courseID),
        F.nested("audience", DocumentShapes.audience, \.audience), F.int("joinedWithinDays", \.joinedWithinDays), F.bool("expiredPassOnly", \.expiredPassOnly),
        F.date("startsOn", \.startsOn), F.date("dueOn", \.dueOn), F.int("dueDays", \.dueDays), F.choice("status", \.status),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let campaign = ResourceShape<Campaign>("Campaign", campaignFields)
    static let summary = ResourceShape<CampaignSummary>("CampaignSummary",
        campaignFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.campaign) } }
        + [F.int("done", \.done, minimum: 0), F.int("total", \.total, minimum: 0), F.int("overdue", \.overdue, minimum: 0)])

    static let assignment = ResourceShape<Assignment>("Assignment", [
        F.id("campaignId", \.campaign.id), F.text("campaignTitle", \.campaign.title), F.id("courseId", \.campaign.courseID), F.id("userId", \.member.userID),
        F.text("displayName", \.member.displayName), F.text("email", \.member.email), F.id("departmentId", \.member.homeDepartmentID), F.date("dueOn", \.dueOn),
        F.choice("state", \.state), F.timestamp("passedAt", \.passedAt), F.int("bestScore", \.bestScore), F.int("attempts", \.attempts, minimum: 0),
    ])

    static let line = ResourceShape<CampaignReport.Line>("CompletionLine", [
        F.text("key", \.key, description: "A department's id (null: no department) or a role"), F.int("done", \.done, minimum: 0), F.int("total", \.total, minimum: 0),
        F.int("overdue", \.overdue, minimum: 0),
    ])
    static let missed = ResourceShape<CampaignReport.Missed>("MissedQuestion", [
        F.text("questionId", \.question.id), F.nested("text", bilingual, \.question.text), F.int("missed", \.missed, minimum: 0), F.int("answered", \.answered, minimum: 0),
    ])
    static let report = ResourceShape<CampaignReport>("CampaignCompletion", [
        F.id("campaignId", \.campaign.id), F.int("done", \.done, minimum: 0), F.custom("total", schema: .integer(minimum: 0)) { w, r in w.int(r.assignments.count) },
        F.int("overdue", \.overdue, minimum: 0), F.int("averageScore", \.averageScore), F.list("departments", line, \.byDepartment), F.list("roles", line, \.byRole),
        F.list("missedQuestions", missed, \.missed), F.list("assignments", assignment, \.assignments),
    ])

    static let requirement = ResourceShape<CompetenceRequirement>("CompetenceRequirement", [
        F.id("id", \.id), F.choice("role", \.role), F.text("name", \.name), F.text("description", \.description), F.id("courseId", \.courseID),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ])
    static let record = ResourceShape<CompetenceRecord>("CompetenceRecord", [
        F.id("id", \.id), F.id("userId", \.userID), F.id("requirementId", \.requirementID), F.text("name", \.name), F.date("obtainedOn", \.obtainedOn),
        F.date("expiresOn", \.expiresOn), F.id("evidenceId", \.evidenceID), F.text("note", \.note), F.timestamp("createdAt", \.createdAt),
        F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ])
    static let gap = ResourceShape<CompetenceOverview.Gap>("CompetenceGap", [
        F.id("userId", \.member.userID), F.text("displayName", \.member.displayName), F.choice("role", \.role), F.id("requirementId", \.requirement.id),
    ])
    static let overview = ResourceShape<CompetenceOverview>("Competences", [
        F.list("requirements", requirement, \.requirements), F.list("records", record, \.records), F.list("gaps", gap, \.gaps),
    ])

    static let rates = ResourceShape<PhishingDrill.Rates>("DrillRates", [
        F.int("sent", \.sent, minimum: 0), F.int("opened", \.opened, minimum: 0), F.int("clicked", \.clicked, minimum: 0), F.int("submitted", \.submitted, minimum: 0),
        F.int("reported", \.reported, minimum: 0), F.int("clickRate", \.clickRate, minimum: 0), F.int("reportRate", \.reportRate, minimum: 0),
    ])
    static let drillFields: [ResourceField<PhishingDrill>] = [
        F.id("id", \.id), F.int("number", \.number, minimum: 0), F.text("title", \.title), F.date("sentOn", \.sentOn), F.int("unmatched", \.unmatched, minimum: 0),
        F.id("followUpCampaignId", \.followUpCampaignID), F.nested("rates", rates, \.rates), F.timestamp("createdAt", \.createdAt),
        F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let drill = ResourceShape<PhishingDrill>("PhishingDrill", drillFields)
    static let drillLine = ResourceShape<DrillView.Line>("DrillDepartment", [F.id("departmentId", \.departmentID), F.nested("rates", rates, \.rates)])
    static let drillDetail = ResourceShape<DrillView>("PhishingDrillDetail",
        drillFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.drill) } } + [
            F.list("departments", drillLine, \.byDepartment),
            F.custom("clickers", schema: .array(of: .string(format: "uuid"))) { w, v in w.array(v.drill.clickers) { w, id in w.string(id.description) } },
        ])

    static let all: [(String, JSON)] = [
        (bilingual.name, bilingual.schema), (section.name, section.schema), (link.name, link.schema), (course.name, course.schema), course.listSchema,
        (detail.name, detail.schema), (result.name, result.schema), (attempt.name, attempt.schema), attempt.listSchema, (campaign.name, campaign.schema),
        (summary.name, summary.schema), summary.listSchema, (assignment.name, assignment.schema), assignment.listSchema, (line.name, line.schema),
        (missed.name, missed.schema), (report.name, report.schema), (requirement.name, requirement.schema), (record.name, record.schema), (gap.name, gap.schema),
        (overview.name, overview.schema), (rates.name, rates.schema), (drill.name, drill.schema), drill.listSchema, (drillLine.name, drillLine.schema),
        (drillDetail.name, drillDetail.schema),
        ("CourseWrite", .object([("title", .ref("Bilingual")), ("summary", .ref("Bilingual")), ("passingScore", .integer(minimum: 1, maximum: 100)),
                                 ("attemptsAllowed", .integer(minimum: 0, maximum: 20)), ("estimatedMinutes", .integer(minimum: 1, maximum: 600)),
                                 ("validityMonths", .integer(minimum: 0, maximum: 120)), ("references", .array(of: .string())), ("links", .array(of: .ref("CourseLink"))),
                                 ("sections", .array(of: .ref("CourseSection"))),
                                 ("questions", .array(of: .object([("id", .string()), ("kind", .string(enumValues: Course.Question.Kind.allCases.map(\.rawValue))),
                                                                   ("text", .ref("Bilingual")), ("explanation", .ref("Bilingual")),
                                                                   ("choices", .array(of: .object([("id", .string()), ("text", .ref("Bilingual")), ("correct", ["type": "boolean"])],
                                                                                                  required: ["text", "correct"])))], required: ["text", "choices"]))),
                                 ("isArchived", ["type": "boolean"])], required: [])),
        ("AttemptCreate", .object([("courseId", .string(format: "uuid")),
                                   ("answers", ["type": "object", "additionalProperties": .array(of: .string()),
                                                "description": "Question id → the chosen choice ids (one for a single-choice question)"])],
                                  required: ["courseId", "answers"])),
        ("CampaignWrite", .object([("title", .string()), ("courseId", .string(format: "uuid")), ("audience", DocumentShapes.audienceWrite),
                                   ("joinedWithinDays", ["type": ["integer", "null"], "minimum": 1, "maximum": 365]), ("expiredPassOnly", ["type": "boolean"]),
                                   ("startsOn", .string(format: "date")), ("dueOn", .string(format: "date", nullable: true)),
                                   ("dueDays", ["type": ["integer", "null"], "minimum": 1, "maximum": 365])], required: [])),
        ("RequirementWrite", .object([("role", .string(enumValues: Role.allCases.map(\.rawValue))), ("name", .string()), ("description", .string(nullable: true)),
                                      ("courseId", .string(format: "uuid", nullable: true))], required: [])),
        ("CompetenceRecordWrite", .object([("userId", .string(format: "uuid")), ("requirementId", .string(format: "uuid", nullable: true)), ("name", .string()),
                                           ("obtainedOn", .string(format: "date")), ("expiresOn", .string(format: "date", nullable: true)),
                                           ("evidenceId", .string(format: "uuid", nullable: true)), ("note", .string(nullable: true))], required: [])),
        ("FollowUpCreate", .object([("courseId", .string(format: "uuid")), ("dueOn", .string(format: "date")), ("title", .string())], required: ["courseId"])),
    ]
}
