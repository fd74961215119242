-- PostgreSQL form of 0009_open_offer_counters.sql (applied instead of it on PostgreSQL).
-- A school's counter to an open offer is its own telebridge linked by offer_id; a counter
-- folded into the offer keeps its row, closed, with merged_into pointing at the offer.
ALTER TABLE telebridges ADD COLUMN offer_id BIGINT REFERENCES telebridges (id);
ALTER TABLE telebridges ADD COLUMN merged_into BIGINT REFERENCES telebridges (id);

CREATE INDEX telebridges_offer ON telebridges (offer_id) WHERE offer_id IS NOT NULL;

-- One pending counter per school and offer: a second one would only compete with it.
CREATE UNIQUE INDEX telebridges_one_counter ON telebridges (offer_id, partner_id)
    WHERE offer_id IS NOT NULL AND status = 'proposed';
