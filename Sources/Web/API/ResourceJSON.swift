import Foundation

// How each resource is written. Every field is always present; absent values are null, so the
// shapes match the OpenAPI schemas exactly (their `required` lists name every field).

extension WorkspaceResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("slug", slug); w.field("name", name); w.field("organizationName", organizationName)
            w.field("scopeStatement", scopeStatement); w.field("sites", sites); w.field("certificationBody", certificationBody)
            w.field("certificateNumber", certificateNumber); w.field("initialCertificationDate", initialCertificationDate)
            w.field("certificateIssuedOn", certificateIssuedOn); w.field("certificateExpiresOn", certificateExpiresOn)
            w.field("timeZone", timeZone); w.field("fiscalYearStartMonth", fiscalYearStartMonth)
            w.field("createdAt", createdAt); w.field("updatedAt", updatedAt); w.field("version", version)
        }
    }
}

extension DepartmentResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("name", name); w.field("code", code); w.field("description", description)
            w.field("createdAt", createdAt); w.field("updatedAt", updatedAt); w.field("version", version)
        }
    }
}

extension RoleGrantResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in w.field("role", role); w.field("departmentId", departmentId); w.field("expiresOn", expiresOn) }
    }
}

extension MemberResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("userId", userId); w.field("email", email); w.field("displayName", displayName)
            w.field("homeDepartmentId", homeDepartmentId); w.field("roles", roles); w.field("activated", activated)
            w.field("createdAt", createdAt); w.field("updatedAt", updatedAt); w.field("version", version)
            if let invitationUrl { w.field("invitationUrl", invitationUrl) }
        }
    }
}

extension AuditEventResource.ActorResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in w.field("kind", kind); w.field("userId", userId); w.field("tokenId", tokenId); w.field("label", label) }
    }
}

extension AuditEventResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("sequence", sequence); w.field("occurredAt", occurredAt); w.field("actor", actor)
            w.field("entityType", entityType); w.field("entityId", entityId); w.field("action", action); w.field("before", before)
            w.field("after", after); w.field("requestId", requestId); w.field("previousHash", previousHash); w.field("hash", hash)
        }
    }
}

extension ListResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in w.field("items", items); w.field("nextCursor", nextCursor) }
    }
}

extension MeResource.Membership {
    func write(_ w: inout JSONWriter) {
        w.object { w in w.field("slug", slug); w.field("name", name); w.field("roles", roles) }
    }
}

extension MeResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("email", email); w.field("displayName", displayName); w.field("isAdministrator", isAdministrator)
            w.field("language", language); w.field("totpEnabled", totpEnabled); w.field("workspaces", workspaces)
        }
    }
}

extension ImportReportResource.Row {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("row", row); w.field("record", record); w.field("outcome", outcome); w.field("invitationUrl", invitationUrl)
            w.key("readings")
            w.array(readings) { w, r in w.object { w in w.field("column", r.column); w.field("written", r.written); w.field("value", r.value); w.field("kind", r.kind.rawValue) } }
        }
    }
}

extension ImportReportResource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("dryRun", dryRun); w.field("rows", rows)
            w.field("headerRow", mapping?.headerRow ?? 1)
            w.key("columns")
            w.array(mapping?.columns ?? []) { w, c in
                w.object { w in w.field("column", c.letter); w.field("header", c.header); w.field("field", c.key); w.field("reason", c.reason.rawValue) }
            }
            w.field("map", mapping?.summary ?? "")
        }
    }
}
