-- An open offer (partner_id NULL, open_offer 1) is answered by any school of the partner
-- city. A counter-proposal no longer takes it: a school's counter starts that school's
-- own telebridge with the proposer, linked to the offer by offer_id, and the offer stays
-- open to the other schools. Only an agreement takes the offer: a school accepting it,
-- or the proposer accepting one school's counter (that counter's telebridge is then
-- folded into the offer: its rounds move to it, and its row stays, closed, with
-- merged_into pointing at the offer, so that buttons under its notices find the offer
-- and its id is never given to another telebridge). Either way the other schools'
-- pending counters on the offer are closed (status 'cancelled', closed_by NULL: taken
-- by another school) and those schools are told.
ALTER TABLE telebridges ADD COLUMN offer_id INTEGER REFERENCES telebridges (id);
ALTER TABLE telebridges ADD COLUMN merged_into INTEGER REFERENCES telebridges (id);

CREATE INDEX telebridges_offer ON telebridges (offer_id) WHERE offer_id IS NOT NULL;

-- One pending counter per school and offer: a second one would only compete with it.
CREATE UNIQUE INDEX telebridges_one_counter ON telebridges (offer_id, partner_id)
    WHERE offer_id IS NOT NULL AND status = 'proposed';
